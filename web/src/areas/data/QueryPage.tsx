// Querying a source: ask in plain language (the model writes the SQL, which is shown, editable,
// and run by the server through the same guard as typed SQL), or write SQL with `:name`
// parameters; see the rows; save the SQL as a question. ?source= picks the source.
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import { Field, TextArea } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { ParameterFields, typedValue, useSqlParameters } from './Parameters';
import type { QueryResult } from './ResultTable';
import { ResultView } from './ResultView';
import { SqlEditor } from './SqlEditor';
import { dialectOf, KIND_LABELS, useSources } from './sources';

export function QueryPage() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const sources = useSources(orgId);
  const sourceId = search.get('source') ?? sources.data?.[0]?.id ?? '';
  const source = sources.data?.find((s) => s.id === sourceId);
  const [sql, setSql] = useState('');
  const parameters = useSqlParameters(sql, dialectOf(source?.kind));
  const [result, setResult] = useState<QueryResult | undefined>(undefined);
  const [asked, setAsked] = useState<{ question: string; explanation: string; repaired: boolean } | null>(null);

  const ask = useAction(async (v: Record<string, string>) => {
    setResult(undefined);
    const answer = await call(api.POST('/orgs/{orgId}/questions/ask', { params: { path: { orgId } }, body: { dataSourceId: sourceId, question: v.question } }));
    setSql(answer.sql);
    setAsked({ question: answer.question, explanation: answer.explanation, repaired: answer.repaired });
    setResult(answer.result);
  });
  const runSql = useAction(async () => {
    setResult(undefined);
    const body = { dataSourceId: sourceId, sql, parameters: parameters.params.map((p) => ({ name: p.name, type: p.type, value: typedValue(p) })) };
    setResult(await call(api.POST('/orgs/{orgId}/queries', { params: { path: { orgId } }, body })));
  });
  const save = useAction(async (v: Record<string, string>) => {
    const saved = await call(
      api.POST('/orgs/{orgId}/questions', {
        params: { path: { orgId } },
        body: {
          dataSourceId: sourceId,
          name: v.name,
          ...(v.description ? { description: v.description } : {}),
          ...(asked ? { question: asked.question } : {}),
          sql,
          parameters: parameters.params.map((p) => ({ name: p.name, type: p.type, default: typedValue(p) })),
        },
      }),
    );
    navigate(`/orgs/${orgId}/questions/${saved.id}`, { state: { saved: true } });
  });
  const run = (event: FormEvent) => {
    event.preventDefault();
    void runSql.start();
  };
  const errors = fieldMessages(runSql.problem);

  return (
    <Page title="Query">
      <p>
        <Link to={`/orgs/${orgId}/data`}>Data sources</Link> · <Link to={`/orgs/${orgId}/questions`}>Saved questions</Link>
      </p>
      <ProblemAlert problem={sources.problem} />
      {sources.data && sources.data.length === 0 && (
        <p>
          No data source yet: <Link to={`/orgs/${orgId}/data`}>connect one</Link> first.
        </p>
      )}
      <div className="field">
        <label htmlFor="query-source">Source</label>
        <select id="query-source" value={sourceId} onChange={(e) => setSearch({ source: e.target.value }, { replace: true })}>
          {sources.data?.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({KIND_LABELS[s.kind]})
            </option>
          ))}
        </select>
      </div>

      <h2>Ask in plain language</h2>
      <Form onSubmit={ask.start} problem={ask.problem} pending={ask.pending} submitLabel="Ask" label="Ask in plain language">
        {(e) => <TextArea label="Question" name="question" rows={2} required error={e.question} hint="For example: visitors per city last month. The answer shows the SQL written for it." />}
      </Form>
      {asked && (
        <Notice>
          The SQL below was written for “{asked.question}”{asked.repaired ? ' (corrected once after a refusal)' : ''}: {asked.explanation} Check it, change it if needed, and run it again.
        </Notice>
      )}

      <h2>Write SQL</h2>
      <form onSubmit={run} aria-label="Run SQL" aria-busy={runSql.pending || undefined}>
        <SqlEditor value={sql} onChange={setSql} onRun={run} hint="One SELECT, read-only. Ctrl+Enter runs it." error={errors.sql} />
        <ParameterFields parameters={parameters} error={errors.parameters} />
        <ProblemAlert problem={runSql.problem} />
        <button type="submit" className="primary" disabled={runSql.pending || !sourceId || !sql.trim()}>
          {runSql.pending ? 'Running…' : 'Run'}
        </button>
      </form>
      {(runSql.pending || ask.pending) && <p role="status">Running…</p>}
      <ResultView result={result} />

      {sql.trim() && (
        <>
          <h2>Save as a question</h2>
          <Form onSubmit={save.start} problem={save.problem} pending={save.pending} submitLabel="Save the question" label="Save as a question">
            {(e) => (
              <>
                <Field label="Name" name="name" required error={e.name} defaultValue={asked?.question ?? ''} />
                <Field label="Description" name="description" error={e.description} />
              </>
            )}
          </Form>
        </>
      )}
    </Page>
  );
}
