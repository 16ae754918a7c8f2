// One saved question, the page mails link to (/orgs/:orgId/questions/:id: subscriptions,
// alerts): run it with its parameters, change it, delete it. A run of the saved SQL goes
// through POST /questions/{id}/run (viewers may); once the SQL is edited, the edit runs as a
// query until it is saved.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { ConfirmDelete } from './ConfirmDelete';
import { ParameterFields, type ParameterValue, typedValue, useSqlParameters, valueText } from './Parameters';
import type { QueryResult } from './ResultTable';
import { ResultView } from './ResultView';
import { SqlEditor } from './SqlEditor';
import { dialectOf, useSources } from './sources';

type SavedQuestion = components['schemas']['SavedQuestion'];

const asValues = (q: SavedQuestion): ParameterValue[] => q.parameters.map((p) => ({ name: p.name, type: p.type, value: valueText(p.default) }));

export function QuestionPage() {
  const { orgId = '', questionId = '' } = useParams();
  const navigate = useNavigate();
  const justSaved = (useLocation().state as { saved?: boolean } | null)?.saved;
  const question = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/questions/{questionId}', { params: { path: { orgId, questionId } } })), [orgId, questionId]));
  const sources = useSources(orgId);
  const q = question.data;
  const source = sources.data?.find((s) => s.id === q?.dataSourceId);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [sql, setSql] = useState('');
  const parameters = useSqlParameters(sql, dialectOf(source?.kind));
  const [result, setResult] = useState<QueryResult | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(justSaved ? 'The question is saved.' : null);

  // The form starts from the question as loaded (again after a save).
  const { reset } = parameters;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only replaces the hook's state; it is new each render
  useEffect(() => {
    if (!q) return;
    setName(q.name);
    setDescription(q.description);
    setSql(q.sql);
    reset(asValues(q));
  }, [q]);

  const edited = !!q && sql !== q.sql;
  const runIt = useAction(async () => {
    setResult(undefined);
    setNotice(null);
    if (!q) return;
    const values = parameters.params.map((p) => ({ name: p.name, type: p.type, value: typedValue(p) }));
    setResult(
      edited
        ? await call(api.POST('/orgs/{orgId}/queries', { params: { path: { orgId } }, body: { dataSourceId: q.dataSourceId, sql, parameters: values } }))
        : await call(api.POST('/orgs/{orgId}/questions/{questionId}/run', { params: { path: { orgId, questionId } }, body: { parameters: values.map(({ name, value }) => ({ name, value })) } })),
    );
  });
  const saveIt = useAction(async () => {
    setNotice(null);
    const body = { name, description, sql, parameters: parameters.params.map((p) => ({ name: p.name, type: p.type, default: typedValue(p) })) };
    await call(api.PATCH('/orgs/{orgId}/questions/{questionId}', { params: { path: { orgId, questionId } }, body }));
    await question.reload();
    setNotice('Your changes are saved.');
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/orgs/{orgId}/questions/{questionId}', { params: { path: { orgId, questionId } } }));
    navigate(`/orgs/${orgId}/questions`);
  });
  const run = (event: FormEvent) => {
    event.preventDefault();
    void runIt.start();
  };
  const errors = { ...fieldMessages(runIt.problem), ...fieldMessages(saveIt.problem) };

  return (
    <Page title={q?.name ?? 'Saved question'}>
      <p>
        <Link to={`/orgs/${orgId}/questions`}>Saved questions</Link> · <Link to={`/orgs/${orgId}/data/query`}>New query</Link>
      </p>
      <ProblemAlert problem={question.problem} />
      {notice && <Notice>{notice}</Notice>}
      {q && (
        <>
          <p className="meta">
            On {source?.name ?? 'its source'}
            {q.question ? ` · asked as “${q.question}”` : ''}
            {q.verified ? ' · verified' : ''} · changed {new Date(q.updatedAt).toLocaleString()}
          </p>
          <form onSubmit={run} aria-label="The question" aria-busy={runIt.pending || saveIt.pending || undefined}>
            <Field label="Name" name="name" required value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
            <Field label="Description" name="description" value={description} onChange={(e) => setDescription(e.target.value)} error={errors.description} />
            <SqlEditor value={sql} onChange={setSql} onRun={run} hint={edited ? 'Changed: Run tries the change; Save changes keeps it.' : 'Ctrl+Enter runs it.'} error={errors.sql} />
            <ParameterFields parameters={parameters} error={errors.parameters} />
            <ProblemAlert problem={runIt.problem ?? saveIt.problem} />
            <div className="toolbar">
              <button type="submit" className="primary" disabled={runIt.pending}>
                {runIt.pending ? 'Running…' : 'Run'}
              </button>
              <button type="button" onClick={() => saveIt.start()} disabled={saveIt.pending}>
                {saveIt.pending ? 'Saving…' : 'Save changes'}
              </button>
            </div>
          </form>
          <ResultView result={result} />

          <ConfirmDelete
            ask="Delete this question…"
            warning={`Delete “${q.name}”? Alerts and dashboards using it stop working.`}
            confirm={`Delete “${q.name}”`}
            onDelete={() => remove.start()}
            pending={remove.pending}
            problem={remove.problem}
          />
        </>
      )}
    </Page>
  );
}
