// API keys: create one with a name and scopes (the key is shown once), list, revoke.
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

export function ApiKeys() {
  const keys = useLoad(useCallback(() => call(api.GET('/auth/api-keys')), []));
  const scopes = useLoad(useCallback(() => call(api.GET('/auth/scopes')), []));
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);

  const create = useAction(async (v: Record<string, string>) => {
    const key = await call(api.POST('/auth/api-keys', { body: { name: v.name, scopes: chosen } }));
    setCreated({ name: key.name, key: key.key });
    setChosen([]);
    await keys.reload();
  });
  const revoke = useAction(async (id: string) => {
    await call(api.DELETE('/auth/api-keys/{id}', { params: { path: { id } } }));
    await keys.reload();
  });
  const toggle = (scope: string) => setChosen((now) => (now.includes(scope) ? now.filter((s) => s !== scope) : [...now, scope]));

  return (
    <Page title="API keys">
      {created && (
        <>
          <Notice>The key “{created.name}” is created. Copy it now: it is not shown again.</Notice>
          <p>
            New key: <code className="secret" id="new-api-key">{created.key}</code>
          </p>
        </>
      )}
      <ProblemAlert problem={keys.problem ?? revoke.problem} />
      <ul className="list" aria-label="API keys">
        {keys.data?.data.map((k) => (
          <li key={k.id}>
            <div>
              <strong>{k.name}</strong> <span className="meta">{k.prefix}…</span>
              <div className="meta">{k.scopes.join(', ')}</div>
            </div>
            <button type="button" className="danger" onClick={() => revoke.start(k.id)}>
              Revoke<span className="visually-hidden"> the key {k.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {keys.data && keys.data.data.length === 0 && <p>No API keys yet.</p>}
      <h2>Create a key</h2>
      <Form onSubmit={create.start} problem={create.problem ?? scopes.problem} pending={create.pending} submitLabel="Create the key">
        {(errors) => (
          <>
            <Field label="Name" name="name" required error={errors.name} />
            <fieldset>
              <legend>Scopes</legend>
              {errors.scopes && <p className="field-error">{errors.scopes}</p>}
              {scopes.data?.data.map((s) => (
                <label key={s.name} className="checkbox">
                  <input type="checkbox" checked={chosen.includes(s.name)} onChange={() => toggle(s.name)} />
                  <span>
                    {s.name} <span className="meta">{s.description}</span>
                  </span>
                </label>
              ))}
            </fieldset>
          </>
        )}
      </Form>
    </Page>
  );
}
