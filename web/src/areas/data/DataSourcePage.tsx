// One data source: test its connection, read its schema (a job, followed live), browse its
// tables and their columns, profile a table, and delete the source.
import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { useJob } from '../../app/useJob';
import { useLoad } from '../../app/useLoad';
import { JobProgress } from '../../ui/JobProgress';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { ConfirmDelete } from './ConfirmDelete';
import { syncText } from './DataSources';
import { ScrollBox } from './ScrollBox';
import { type Profile, ProfileView } from './ProfileView';
import { KIND_LABELS } from './sources';

type Schema = components['schemas']['DataSourceSchema'];
type TestResult = components['schemas']['DataSourceTestResult'];
type Table = Schema['schemas'][number]['tables'][number];

const count = new Intl.NumberFormat('en');

export function DataSourcePage() {
  const { orgId = '', sourceId = '' } = useParams();
  const navigate = useNavigate();
  const connected = (useLocation().state as { connected?: boolean } | null)?.connected;
  const path = { orgId, sourceId };
  const source = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/data-sources/{sourceId}', { params: { path: { orgId, sourceId } } })), [orgId, sourceId]));
  const schema = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/data-sources/{sourceId}/schema', { params: { path: { orgId, sourceId } } })), [orgId, sourceId]));
  const [tested, setTested] = useState<TestResult | null>(null);
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const job = useJob(jobId, 2000);
  const [profile, setProfile] = useState<{ table: string; profile: Profile } | null>(null);

  const test = useAction(async () => setTested(await call(api.POST('/orgs/{orgId}/data-sources/{sourceId}/test', { params: { path } }))));
  const sync = useAction(async () => setJobId((await call(api.POST('/orgs/{orgId}/data-sources/{sourceId}/sync', { params: { path } }))).jobId));
  const profileTable = useAction(async (schemaName: string, table: string) => {
    setProfile(null);
    const result = await call(api.POST('/orgs/{orgId}/queries/profile', { params: { path: { orgId } }, body: { dataSourceId: sourceId, table: { schema: schemaName, name: table } } }));
    setProfile({ table: `${schemaName}.${table}`, profile: result });
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/orgs/{orgId}/data-sources/{sourceId}', { params: { path } }));
    navigate(`/orgs/${orgId}/data`);
  });

  // The job's end: the schema and the source's sync state are new.
  const ended = job?.status === 'completed' || job?.status === 'failed';
  const { reload: reloadSource } = source;
  const { reload: reloadSchema } = schema;
  useEffect(() => {
    if (ended) void Promise.all([reloadSource(), reloadSchema()]);
  }, [ended, reloadSource, reloadSchema]);

  const s = source.data;
  const tables = schema.data?.schemas.flatMap((sc) => sc.tables.map((t) => ({ schema: sc.name, table: t }))) ?? [];
  return (
    <Page title={s?.name ?? 'Data source'}>
      <ProblemAlert problem={source.problem} />
      {connected && <Notice>The source is connected. Test it, then read its schema.</Notice>}
      {s && (
        <>
          <p className="meta">
            {KIND_LABELS[s.kind]}
            {s.connection ? ` · ${s.connection.host}:${s.connection.port}/${s.connection.database} as ${s.connection.user}` : ''} · {syncText(s)}
          </p>
          <div className="toolbar">
            <button type="button" onClick={() => test.start()} disabled={test.pending}>
              {test.pending ? 'Testing…' : 'Test the connection'}
            </button>
            <button type="button" onClick={() => sync.start()} disabled={sync.pending || (!!jobId && !ended)}>
              Read the schema
            </button>
            <Link to={`/orgs/${orgId}/data/query?source=${s.id}`}>Query this source</Link>
          </div>
          {tested && (
            <p role="status" className={tested.ok ? 'notice' : 'alert'}>
              {tested.ok ? `Connected: ${tested.serverVersion ?? 'server'} answered in ${tested.latencyMs ?? '?'} ms.` : `Not connected (${tested.error?.kind}): ${tested.error?.message}`}
            </p>
          )}
          <ProblemAlert problem={test.problem ?? sync.problem} />
          {jobId && <JobProgress job={job} label="Reading the schema" />}
        </>
      )}

      <h2>Tables</h2>
      <ProblemAlert problem={schema.problem} />
      {schema.data && tables.length === 0 && <p>No tables known yet: read the schema.</p>}
      <ul className="tables" aria-label="Tables">
        {tables.map(({ schema: schemaName, table }) => (
          <li key={`${schemaName}.${table.name}`}>
            <details>
              <summary>
                <strong>
                  {schemaName}.{table.name}
                </strong>{' '}
                <span className="meta">
                  {table.kind}
                  {table.rowEstimate !== null ? `, about ${count.format(table.rowEstimate)} rows` : ''}, {table.columns.length} columns
                </span>
              </summary>
              {table.description && <p>{table.description}</p>}
              <Columns table={table} />
              <button type="button" onClick={() => profileTable.start(schemaName, table.name)} disabled={profileTable.pending}>
                Profile<span className="visually-hidden">
                  {' '}
                  {schemaName}.{table.name}
                </span>
              </button>
            </details>
          </li>
        ))}
      </ul>
      {profileTable.pending && <p role="status">Profiling…</p>}
      <ProblemAlert problem={profileTable.problem} />
      {profile && <ProfileView title={`Profile of ${profile.table}`} profile={profile.profile} />}

      {s && (
        <ConfirmDelete
          ask="Delete this source…"
          warning={`Delete ${s.name}, its schema and glossary? Saved questions on it stop working.`}
          confirm={`Delete ${s.name}`}
          onDelete={() => remove.start()}
          pending={remove.pending}
          problem={remove.problem}
        />
      )}
    </Page>
  );
}

function Columns({ table }: { table: Table }) {
  const key = new Set(table.primaryKey);
  return (
    <ScrollBox label={`Columns of ${table.name}`}>
      <table>
        <caption className="visually-hidden">Columns of {table.name}</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Empty allowed</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {table.columns.map((c) => (
            <tr key={c.name}>
              <th scope="row">
                {c.name}
                {key.has(c.name) && <span className="tag">key</span>}
              </th>
              <td>{c.dbType}</td>
              <td>{c.nullable ? 'yes' : 'no'}</td>
              <td>{c.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}
