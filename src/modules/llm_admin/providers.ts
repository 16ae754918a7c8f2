// An organization's own language model providers, managed by its admins: the key is sealed at
// rest and never shown again (views say `hasKey` and its last four characters); the base URL
// passes the SSRF guard when it is saved, and again at each request (a guarded fetch that
// connects only to the addresses it checked).
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { type Llm, type LlmProviderConfig, type LlmProviderName, providerIssues } from '../../core/llm/index.ts';
import type { Clock } from '../../core/module.ts';
import { createGuardedFetch, createNodeRequest } from '../../core/net/guarded-fetch.ts';
import { assertPublicUrl, UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { OrgCache } from './org-cache.ts';
import { LlmAdminProblems } from './problems.ts';
import { models, type ProviderRow, providers } from './repository.ts';
import type { CreateProviderBody, ProviderView, UpdateProviderBody } from './schemas.ts';
import type { LlmAdminSettings } from './settings.ts';

export type LlmProviderView = Static<typeof ProviderView>;

export interface ProvidersDeps {
  db: Executor;
  cache: OrgCache;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  secrets: Secrets;
  llm: Llm;
  settings: LlmAdminSettings;
}

/** Short keys show nothing of themselves: four characters of a short key are too much of it. */
const lastFour = (key: string) => (key.length >= 12 ? key.slice(-4) : null);

export function toProviderView(r: ProviderRow): LlmProviderView {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    kind: r.kind as LlmProviderName,
    baseUrl: r.base_url,
    azureResource: r.azure_resource,
    azureApiVersion: r.azure_api_version,
    hasKey: r.key_sealed !== null,
    keyLast4: r.key_last4,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function createProviders(deps: ProvidersDeps) {
  const { db, events, clock, orgs, secrets, llm, settings, cache } = deps;
  const guardedFetch = createGuardedFetch({ allow: settings.allow });
  const guardedRequest = createNodeRequest({ allow: settings.allow });

  async function checkUrl(baseUrl: string | null) {
    if (baseUrl === null) return;
    try {
      await assertPublicUrl(baseUrl, { allow: settings.allow });
    } catch (err) {
      if (!(err instanceof UrlNotAllowedError)) throw err;
      throw LlmAdminProblems.urlNotAllowed.error('The base URL may not be reached from this server', { errors: [{ field: 'body.baseUrl', message: err.message }] });
    }
  }

  /** The kind's required fields, and a name no instance provider has (usage reports name providers). */
  function checkFields(r: Pick<ProviderRow, 'name' | 'kind' | 'base_url' | 'azure_resource' | 'azure_api_version'> & { hasKey: boolean }) {
    if (llm.providers.some((p) => p.name === r.name)) throw LlmAdminProblems.providerNameTaken.error(`"${r.name}" is the name of one of the instance's providers`);
    const [issue] = providerIssues({
      kind: r.kind as LlmProviderName,
      apiKey: r.hasKey ? 'set' : undefined,
      baseUrl: r.base_url ?? undefined,
      azureResource: r.azure_resource ?? undefined,
      azureApiVersion: r.azure_api_version ?? undefined,
    });
    if (issue) throw LlmAdminProblems.providerInvalid.error(`The provider's ${issue.field} ${issue.message}`, { errors: [{ field: `body.${issue.field}`, message: issue.message }] });
  }

  const nameTaken = (err: unknown) => (err as { code?: string }).code === '23505';

  async function mustFind(orgId: string, id: string, exec: Executor = db): Promise<ProviderRow> {
    const row = await providers.byId(exec, orgId, id);
    if (!row) throw LlmAdminProblems.providerNotFound.error('Provider not found');
    return row;
  }

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateProviderBody>): Promise<LlmProviderView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const now = clock.now();
    const row: ProviderRow = {
      id: uuidv7(),
      org_id: orgId,
      name: input.name,
      kind: input.kind,
      base_url: input.baseUrl ?? null,
      azure_resource: input.azureResource ?? null,
      azure_api_version: input.azureApiVersion ?? null,
      key_sealed: input.apiKey ? secrets.seal(input.apiKey) : null,
      key_last4: input.apiKey ? lastFour(input.apiKey) : null,
      key_id: input.apiKey ? secrets.keyId : null,
      created_by: actor.principal.userId,
      created_at: now,
      updated_at: now,
    };
    checkFields({ ...row, hasKey: !!input.apiKey });
    await checkUrl(row.base_url);
    try {
      await cache.change(db, { org: orgId }, async (tx) => {
        if ((await providers.inOrg(tx, orgId)).length >= settings.maxProvidersPerOrg) {
          throw LlmAdminProblems.providerInvalid.error(`An organization may have ${settings.maxProvidersPerOrg} providers (LLM_MAX_PROVIDERS_PER_ORG)`, { errors: [{ field: 'body', message: 'one provider too many' }] });
        }
        await providers.insert(tx, row);
        await events.publish(tx, 'llm_admin.provider_changed', { orgId, providerId: row.id, name: row.name, kind: row.kind, change: 'created', fields: [], keyChanged: !!input.apiKey }, { actor, orgId });
      });
    } catch (err) {
      if (nameTaken(err)) throw LlmAdminProblems.providerNameTaken.error('Another provider of this organization has this name');
      throw err;
    }
    return toProviderView(row);
  }

  async function list(actor: Actor, orgId: string): Promise<LlmProviderView[]> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    return (await providers.inOrg(db, orgId)).map(toProviderView);
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<LlmProviderView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    return toProviderView(await mustFind(orgId, id));
  }

  async function update(actor: Actor, orgId: string, id: string, input: Static<typeof UpdateProviderBody>): Promise<LlmProviderView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const current = await mustFind(orgId, id);
    const set: Partial<ProviderRow> = { updated_at: clock.now() };
    if (input.name !== undefined) set.name = input.name;
    if (input.baseUrl !== undefined) set.base_url = input.baseUrl;
    if (input.azureResource !== undefined) set.azure_resource = input.azureResource;
    if (input.azureApiVersion !== undefined) set.azure_api_version = input.azureApiVersion;
    if (input.apiKey !== undefined) {
      set.key_sealed = input.apiKey === null ? null : secrets.seal(input.apiKey);
      set.key_last4 = input.apiKey === null ? null : lastFour(input.apiKey);
      set.key_id = input.apiKey === null ? null : secrets.keyId;
    }
    const next = { ...current, ...set };
    checkFields({ ...next, hasKey: next.key_sealed !== null });
    if (input.baseUrl) await checkUrl(input.baseUrl);
    const fields = Object.keys(input).filter((k) => k !== 'apiKey' && (input as Record<string, unknown>)[k] !== undefined);
    try {
      await cache.change(db, { org: orgId }, async (tx) => {
        if (!(await providers.lock(tx, orgId, id))) throw LlmAdminProblems.providerNotFound.error('Provider not found');
        await providers.update(tx, orgId, id, set);
        await events.publish(tx, 'llm_admin.provider_changed', { orgId, providerId: id, name: next.name, kind: next.kind, change: 'updated', fields, keyChanged: input.apiKey !== undefined }, { actor, orgId });
      });
    } catch (err) {
      if (nameTaken(err)) throw LlmAdminProblems.providerNameTaken.error('Another provider of this organization has this name');
      throw err;
    }
    return toProviderView(next);
  }

  /** Deletes the provider with its models (and takes them out of other models' fallbacks). */
  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    await cache.change(db, { org: orgId }, async (tx) => {
      const row = await providers.lock(tx, orgId, id);
      if (!row) throw LlmAdminProblems.providerNotFound.error('Provider not found');
      const gone = (await models.inOrg(tx, orgId)).filter((m) => m.provider_id === id);
      await providers.delete(tx, orgId, id);
      for (const m of gone) await models.dropFallback(tx, orgId, m.id);
      await events.publish(tx, 'llm_admin.provider_changed', { orgId, providerId: id, name: row.name, kind: row.kind, change: 'deleted', fields: [], keyChanged: row.key_sealed !== null }, { actor, orgId });
    });
  }

  /**
   * What core/llm calls: the key opened, requests through the guarded fetch. The id names the
   * provider's circuit breaker across key changes; the client is rebuilt when the key or address changes.
   */
  function configOf(row: ProviderRow): LlmProviderConfig {
    return {
      name: row.name,
      kind: row.kind as LlmProviderName,
      apiKey: row.key_sealed ? secrets.open(row.key_sealed) : undefined,
      baseUrl: row.base_url ?? undefined,
      ...(row.kind === 'azure' ? { azure: { resource: row.azure_resource ?? undefined, apiVersion: row.azure_api_version ?? undefined } } : {}),
      id: `org:${row.id}`,
      fetch: guardedFetch,
      request: guardedRequest,
    };
  }

  return { create, list, get, update, remove, configOf };
}

export type Providers = ReturnType<typeof createProviders>;
