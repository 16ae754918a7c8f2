// The organization's data sources, and connecting one: a PostgreSQL or MySQL/MariaDB server
// (host, port, database, user, password, TLS) or the organization's own workspace data. The
// password is write-only: the API seals it and never shows it again. A host the server may not
// reach (private addresses unless the operator allows them) is refused next to the Host field.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { type DataSource, KIND_LABELS, useSources } from './sources';

const DEFAULT_PORT: Partial<Record<DataSource['kind'], string>> = { postgres: '5432', mysql: '3306' };
type TlsMode = 'disable' | 'require' | 'verify-full';

export function syncText(source: DataSource): string {
  switch (source.sync.status) {
    case 'never':
      return 'schema not read yet';
    case 'syncing':
      return 'reading the schema…';
    case 'failed':
      return `reading the schema failed: ${source.sync.error ?? 'unknown error'}`;
    default:
      return `schema read ${source.sync.syncedAt ? new Date(source.sync.syncedAt).toLocaleString() : ''}`;
  }
}

export function DataSources() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const sources = useSources(orgId);
  const [kind, setKind] = useState<DataSource['kind']>('postgres');
  const [port, setPort] = useState(DEFAULT_PORT.postgres ?? '');
  const dial = kind === 'postgres' || kind === 'mysql';

  const connect = useAction(async (v: Record<string, string>) => {
    const created = await call(
      api.POST('/orgs/{orgId}/data-sources', {
        params: { path: { orgId } },
        body: {
          name: v.name,
          kind,
          ...(v.description ? { description: v.description } : {}),
          ...(dial
            ? {
                connection: {
                  host: v.host,
                  port: Number(v.port),
                  database: v.database,
                  user: v.user,
                  password: v.password,
                  tls: { mode: v.tls as TlsMode },
                },
              }
            : {}),
        },
      }),
    );
    navigate(`/orgs/${orgId}/data/sources/${created.id}`, { state: { connected: true } });
  });

  const chooseKind = (next: DataSource['kind']) => {
    // Keep a port the person typed; follow the kind's default otherwise.
    if (port === '' || Object.values(DEFAULT_PORT).includes(port)) setPort(DEFAULT_PORT[next] ?? '');
    setKind(next);
  };

  return (
    <Page title="Data sources">
      <p>
        <Link to={`/orgs/${orgId}/data/query`}>Write a query or ask a question</Link> · <Link to={`/orgs/${orgId}/questions`}>Saved questions</Link>
      </p>
      <ProblemAlert problem={sources.problem} />
      {sources.data && sources.data.length === 0 && <p>No data source yet: connect one below.</p>}
      <ul className="list" aria-label="Data sources">
        {sources.data?.map((s) => (
          <li key={s.id}>
            <div>
              <Link to={`/orgs/${orgId}/data/sources/${s.id}`}>
                <strong>{s.name}</strong>
              </Link>
              <div className="meta">
                {KIND_LABELS[s.kind]}
                {s.connection ? ` · ${s.connection.host}:${s.connection.port}/${s.connection.database}` : ''} · {syncText(s)}
              </div>
            </div>
            <Link to={`/orgs/${orgId}/data/query?source=${s.id}`}>
              Query<span className="visually-hidden"> {s.name}</span>
            </Link>
          </li>
        ))}
      </ul>

      <h2>Connect a source</h2>
      <Form onSubmit={connect.start} problem={connect.problem} pending={connect.pending} submitLabel="Connect" label="Connect a source">
        {(errors) => (
          <>
            <Field label="Name" name="name" required error={errors.name} hint="How people will know it, e.g. “Shop database”." />
            <div className="field">
              <label htmlFor="source-kind">Kind</label>
              <select id="source-kind" name="kind" value={kind} onChange={(e) => chooseKind(e.target.value as DataSource['kind'])}>
                <option value="postgres">{KIND_LABELS.postgres}</option>
                <option value="mysql">{KIND_LABELS.mysql}</option>
                <option value="workspace">{KIND_LABELS.workspace}</option>
              </select>
            </div>
            {dial && (
              <>
                {errors.connection && <p className="field-error">{errors.connection}</p>}
                <div className="field-row">
                  <Field label="Host" name="host" required autoComplete="off" error={errors['connection.host']} hint="A name or an address this server can reach." />
                  <Field label="Port" name="port" required inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} error={errors['connection.port']} />
                </div>
                <Field label="Database" name="database" required autoComplete="off" error={errors['connection.database']} />
                <Field label="User" name="user" required autoComplete="off" error={errors['connection.user']} hint="Best a login that can only read." />
                <Field label="Password" name="password" type="password" autoComplete="new-password" error={errors['connection.password']} hint="Kept sealed; never shown again." />
                <div className="field">
                  <label htmlFor="source-tls">Encryption (TLS)</label>
                  <select id="source-tls" name="tls" defaultValue="disable">
                    <option value="disable">None</option>
                    <option value="require">Required, certificate not checked</option>
                    <option value="verify-full">Required, certificate checked</option>
                  </select>
                </div>
              </>
            )}
          </>
        )}
      </Form>
    </Page>
  );
}
