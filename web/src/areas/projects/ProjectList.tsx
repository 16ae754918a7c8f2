// The organization's projects I can see: search, open one, create one (from scratch or from a
// template), and the templates saved from projects (delete one). A taken key is said under
// the Key field.
import { type FormEvent, useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { loadAll } from './load';

/** `12.5` → 1250 minor units; empty → undefined; not a number → NaN (the API refuses it). */
export const toMinor = (text: string | undefined) => (text?.trim() ? Math.round(Number(text.replace(',', '.')) * 100) : undefined);
export const toNumber = (text: string | undefined) => (text?.trim() ? Number(text.replace(',', '.')) : undefined);

export function ProjectList() {
  const orgId = useParams().orgId ?? '';
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const projects = useLoad(
    useCallback(
      () =>
        loadAll((cursor) =>
          call(api.GET('/orgs/{orgId}/projects', { params: { path: { orgId }, query: { limit: 100, sort: 'name', ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) } } })),
        ),
      [orgId, q],
    ),
  );
  const templates = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/project-templates', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));

  const create = useAction(async (v: Record<string, string>) => {
    const project = await call(
      api.POST('/orgs/{orgId}/projects', {
        params: { path: { orgId } },
        body: {
          name: v.name,
          key: v.key.trim().toUpperCase(),
          ...(v.templateId ? { templateId: v.templateId } : {}),
          ...(v.client?.trim() ? { client: v.client.trim() } : {}),
          ...(toNumber(v.budgetHours) !== undefined ? { budgetHours: toNumber(v.budgetHours) } : {}),
          ...(toMinor(v.hourlyRate) !== undefined ? { hourlyRateMinor: toMinor(v.hourlyRate) } : {}),
        },
      }),
    );
    navigate(`/orgs/${orgId}/projects/${project.id}`);
  });
  const removeTemplate = useAction(async (templateId: string) => {
    await call(api.DELETE('/orgs/{orgId}/project-templates/{templateId}', { params: { path: { orgId, templateId } } }));
    await templates.reload();
  });
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setQ(String(new FormData(event.currentTarget).get('q') ?? '').trim());
  };
  const errors = fieldMessages(create.problem);
  const keyError = create.problem?.code === 'PROJECTS.KEY_TAKEN' ? 'Another project already uses this key.' : errors.key;

  return (
    <Page title="Projects">
      <div className="area-time">
        <search>
          <form onSubmit={search} aria-label="Search projects" className="toolbar">
          <label htmlFor="project-q">Search projects</label>
          <input id="project-q" name="q" type="search" defaultValue={q} />
          <button type="submit">Search</button>
          </form>
        </search>
        <ProblemAlert problem={projects.problem} />
        {projects.data && projects.data.length === 0 && <p>{q ? 'No project matches.' : 'No projects yet.'}</p>}
        <ul className="list" aria-label="Projects">
          {projects.data?.map((p) => (
            <li key={p.id}>
              <div>
                <Link to={`/orgs/${orgId}/projects/${p.id}`}>
                  {p.key} · {p.name}
                </Link>
                {p.status === 'archived' && <span className="tag">archived</span>}
                {p.client && <div className="meta">{p.client}</div>}
              </div>
              {p.budgetHours !== null && <span className="meta">budget {p.budgetHours} h</span>}
            </li>
          ))}
        </ul>
        <h2>Create a project</h2>
        <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Create the project" label="Create a project">
          {() => (
            <>
              <Field label="Name" name="name" required error={errors.name} />
              <Field label="Key" name="key" required hint="2 to 10 capital letters or digits, starting with a letter, e.g. WEB" error={keyError} />
              <Field label="Client" name="client" error={errors.client} />
              <Field label="Budget in hours" name="budgetHours" inputMode="decimal" error={errors.budgetHours} />
              <Field label="Hourly rate" name="hourlyRate" inputMode="decimal" hint="In the organization's currency, e.g. 95.50" error={errors.hourlyRateMinor} />
              <div className="field">
                <label htmlFor="project-template">Template</label>
                <select id="project-template" name="templateId" defaultValue="">
                  <option value="">No template</option>
                  {templates.data?.data.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
            </>
          )}
        </Form>
        <h2>Templates</h2>
        <ProblemAlert problem={templates.problem ?? removeTemplate.problem} />
        {templates.data && templates.data.data.length === 0 && <p>No templates yet: save a project as one from its page.</p>}
        <ul className="list" aria-label="Templates">
          {templates.data?.data.map((t) => (
            <li key={t.id}>
              <div>
                <strong>{t.name}</strong>
                <div className="meta">{t.tasks.length} tasks</div>
              </div>
              <button type="button" className="danger" onClick={() => void removeTemplate.start(t.id)}>
                Delete<span className="visually-hidden"> the template {t.name}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </Page>
  );
}
