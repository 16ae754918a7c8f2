// The model catalog: the instance's models (the settings' LLM_PROVIDER and LLM_PROVIDERS, with
// the instance administrators' changes) and an organization's own (models of its providers),
// each with its context window, prices, tool support, whether it is enabled and the lowest role
// that may use it. An organization decides for an instance model only whether its members may
// use it and from which role; its own models are its admins' entirely.
import { createHash } from 'node:crypto';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { type Llm, type LlmPrice, LlmProblems, modelRef } from '../../core/llm/index.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi, OrgRole } from '../organizations/index.ts';
import type { OrgCache } from './org-cache.ts';
import { LlmAdminProblems } from './problems.ts';
import { type ModelRow, models, type ProviderRow, providers, rules } from './repository.ts';
import type { CreateModelBody, ModelView, UpdateInstanceModelBody, UpdateModelBody } from './schemas.ts';

export type LlmModelView = Static<typeof ModelView>;

export interface CatalogEntry {
  id: string;
  scope: 'instance' | 'org';
  /** The provider's name; for an org model, its row too. */
  provider: string;
  providerRow: ProviderRow | null;
  model: string;
  deployment: string | null;
  contextWindow: number | null;
  price: LlmPrice | null;
  supportsTools: boolean;
  enabled: boolean;
  minimumRole: OrgRole;
  fallback: string[];
  isDefault: boolean;
}

/** The role an instance model asks for when nobody said: viewers read, members use the tools that cost. */
const DEFAULT_MINIMUM_ROLE: OrgRole = 'member';

/**
 * The id of an instance model: derived from `provider/model` (a UUIDv8 of its SHA-256), so every
 * instance and every restart gives the same one to a model the settings declare.
 */
export function instanceModelId(ref: string): string {
  const h = createHash('sha256').update(`llm_admin.instance_model:${ref}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const priceOf = (input: string | number | null, output: string | number | null): LlmPrice | null =>
  input === null || output === null ? null : { input: Number(input), output: Number(output) };

export interface CatalogDeps {
  db: Executor;
  llm: Llm;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  cache: OrgCache;
}

export function createCatalog(deps: CatalogDeps) {
  const { db, llm, events, clock, orgs, cache } = deps;
  const defaultId = llm.models[0] ? instanceModelId(modelRef(llm.models[0])) : undefined;

  /** The instance's models as the settings declare them, with the instance administrators' changes. */
  async function instanceEntries(exec: Executor = db): Promise<CatalogEntry[]> {
    const changes = new Map((await models.instanceChanges(exec)).map((r) => [r.id, r]));
    return llm.models.map((m) => {
      const id = instanceModelId(modelRef(m));
      const c = changes.get(id);
      // Prices are changed together (both, or both back to the settings').
      const price = c && c.input_price !== null ? priceOf(c.input_price, c.output_price) : m.price;
      return {
        id,
        scope: 'instance' as const,
        provider: m.provider,
        providerRow: null,
        model: m.model,
        deployment: m.deployment ?? null,
        contextWindow: c?.context_window ?? m.contextWindow,
        price,
        supportsTools: c?.supports_tools ?? m.tools,
        enabled: c?.enabled ?? true,
        minimumRole: (c?.minimum_role as OrgRole | null) ?? DEFAULT_MINIMUM_ROLE,
        fallback: m.fallback.map(instanceModelId),
        isDefault: id === defaultId,
      };
    });
  }

  const orgEntry = (r: ModelRow, provider: ProviderRow): CatalogEntry => ({
    id: r.id,
    scope: 'org',
    provider: provider.name,
    providerRow: provider,
    model: r.model,
    deployment: r.deployment,
    contextWindow: r.context_window,
    price: priceOf(r.input_price, r.output_price),
    supportsTools: r.supports_tools!,
    enabled: r.enabled!,
    minimumRole: r.minimum_role as OrgRole,
    fallback: r.fallback,
    isDefault: false,
  });

  /** Every model an org's members may be offered: the instance's (under the org's rules) and the org's own. */
  async function entriesOf(orgId: string, exec: Executor = db): Promise<CatalogEntry[]> {
    const [instance, orgRules, own, orgProviders] = await Promise.all([instanceEntries(exec), rules.inOrg(exec, orgId), models.inOrg(exec, orgId), providers.inOrg(exec, orgId)]);
    const ruleOf = new Map(orgRules.map((r) => [r.model_id, r]));
    const providerOf = new Map(orgProviders.map((p) => [p.id, p]));
    return [
      ...instance.map((e) => {
        const rule = ruleOf.get(e.id);
        // The instance administrators' `enabled: false` holds in every org.
        return rule ? { ...e, enabled: e.enabled && rule.enabled, minimumRole: rule.minimum_role as OrgRole } : e;
      }),
      ...own.flatMap((r) => {
        const provider = providerOf.get(r.provider_id!);
        return provider ? [orgEntry(r, provider)] : [];
      }),
    ];
  }

  /**
   * `entriesOf` for a model call, from the org cache (org-cache.ts): the same entries, read
   * once per org until one of them changes. Shared: never mutate them.
   */
  const forCalls = (orgId: string): Promise<readonly CatalogEntry[]> => cache.load('catalog', orgId, () => entriesOf(orgId));

  function view(e: CatalogEntry, role?: OrgRole): LlmModelView {
    return {
      id: e.id,
      scope: e.scope,
      provider: e.provider,
      providerId: e.providerRow?.id ?? null,
      model: e.model,
      deployment: e.deployment,
      contextWindow: e.contextWindow,
      inputPrice: e.price?.input ?? null,
      outputPrice: e.price?.output ?? null,
      currency: llm.currency,
      supportsTools: e.supportsTools,
      enabled: e.enabled,
      minimumRole: e.minimumRole,
      fallback: e.fallback,
      ...(role ? { allowed: e.enabled && orgs.roleAtLeast(role, e.minimumRole) } : {}),
      isDefault: e.isDefault,
    };
  }

  async function list(actor: Actor, orgId: string): Promise<LlmModelView[]> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    return (await entriesOf(orgId)).map((e) => view(e, role));
  }

  function mustFind(entries: readonly CatalogEntry[], modelId: string): CatalogEntry {
    const entry = entries.find((e) => e.id === modelId);
    if (!entry) throw modelNotFound();
    return entry;
  }

  function checkFallback(entries: readonly CatalogEntry[], self: string, fallback: readonly string[]) {
    fallback.forEach((id, i) => {
      if (id === self || !entries.some((e) => e.id === id) || fallback.indexOf(id) !== i) {
        throw LlmAdminProblems.modelInvalid.error('A fallback must be another model of the catalog, once', { errors: [{ field: `body.fallback.${i}`, message: 'is not another model of this organization\'s catalog' }] });
      }
    });
  }

  const checkPrices = (input: number | null | undefined, output: number | null | undefined) => {
    if ((input === null || input === undefined) !== (output === null || output === undefined)) {
      throw LlmAdminProblems.modelInvalid.error('Give both prices, or neither', { errors: [{ field: input === null || input === undefined ? 'body.inputPrice' : 'body.outputPrice', message: 'is required with the other price' }] });
    }
  };

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateModelBody>): Promise<LlmModelView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    checkPrices(input.inputPrice, input.outputPrice);
    const provider = await providers.byId(db, orgId, input.providerId);
    if (!provider) throw LlmAdminProblems.providerNotFound.error('Provider not found', { errors: [{ field: 'body.providerId', message: 'is not a provider of this organization' }] });
    const row: ModelRow = {
      id: uuidv7(),
      org_id: orgId,
      provider_id: provider.id,
      provider_name: null,
      model: input.model.trim(),
      deployment: input.deployment ?? null,
      context_window: input.contextWindow ?? null,
      input_price: input.inputPrice ?? null,
      output_price: input.outputPrice ?? null,
      supports_tools: input.supportsTools,
      enabled: input.enabled,
      minimum_role: input.minimumRole,
      fallback: input.fallback,
      updated_by: actor.principal.userId,
      updated_at: clock.now(),
    };
    checkFallback(await entriesOf(orgId), row.id, row.fallback);
    try {
      await cache.change(db, { org: orgId }, async (tx) => {
        await models.insert(tx, row);
        await events.publish(tx, 'llm_admin.model_changed', { orgId, modelId: row.id, provider: provider.name, model: row.model, change: 'created', fields: [] }, { actor, orgId });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw LlmAdminProblems.modelTaken.error('This provider already has this model in the catalog');
      throw err;
    }
    return view(orgEntry(row, provider));
  }

  /** An org model: every field. An instance model: the org's rule (enabled, minimumRole) only. */
  async function update(actor: Actor, orgId: string, modelId: string, input: Static<typeof UpdateModelBody>): Promise<LlmModelView> {
    const role = await orgs.assertRole(actor.principal, orgId, 'admin');
    const entries = await entriesOf(orgId);
    const entry = mustFind(entries, modelId);
    const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    const now = clock.now();
    if (entry.scope === 'instance') {
      const other = fields.find((f) => f !== 'enabled' && f !== 'minimumRole');
      if (other) throw LlmAdminProblems.modelInvalid.error('An instance model takes only enabled and minimumRole from an organization', { errors: [{ field: `body.${other}`, message: 'is set by the instance\'s administrators' }] });
      const current = (await rules.inOrg(db, orgId)).find((r) => r.model_id === modelId);
      const rule = { org_id: orgId, model_id: modelId, enabled: input.enabled ?? current?.enabled ?? true, minimum_role: input.minimumRole ?? entry.minimumRole, updated_by: actor.principal.userId, updated_at: now };
      await cache.change(db, { org: orgId }, async (tx) => {
        await rules.upsert(tx, rule);
        await events.publish(tx, 'llm_admin.model_changed', { orgId, modelId, provider: entry.provider, model: entry.model, change: 'updated', fields }, { actor, orgId });
      });
      return view(mustFind(await entriesOf(orgId), modelId), role);
    }
    const price = { input: input.inputPrice === undefined ? entry.price?.input : input.inputPrice, output: input.outputPrice === undefined ? entry.price?.output : input.outputPrice };
    checkPrices(price.input, price.output);
    if (input.fallback) checkFallback(entries, modelId, input.fallback);
    const set: Partial<ModelRow> = { updated_by: actor.principal.userId, updated_at: now, input_price: price.input ?? null, output_price: price.output ?? null };
    if (input.deployment !== undefined) set.deployment = input.deployment;
    if (input.contextWindow !== undefined) set.context_window = input.contextWindow;
    if (input.supportsTools !== undefined) set.supports_tools = input.supportsTools;
    if (input.enabled !== undefined) set.enabled = input.enabled;
    if (input.minimumRole !== undefined) set.minimum_role = input.minimumRole;
    if (input.fallback !== undefined) set.fallback = input.fallback;
    await cache.change(db, { org: orgId }, async (tx) => {
      await models.updateOrgModel(tx, orgId, modelId, set);
      await events.publish(tx, 'llm_admin.model_changed', { orgId, modelId, provider: entry.provider, model: entry.model, change: 'updated', fields }, { actor, orgId });
    });
    return view(mustFind(await entriesOf(orgId), modelId), role);
  }

  async function remove(actor: Actor, orgId: string, modelId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const entry = mustFind(await entriesOf(orgId), modelId);
    if (entry.scope === 'instance') throw LlmAdminProblems.instanceModel.error('An instance model cannot be deleted by an organization: set enabled to false');
    await cache.change(db, { org: orgId }, async (tx) => {
      if (!(await models.deleteOrgModel(tx, orgId, modelId))) throw modelNotFound();
      await models.dropFallback(tx, orgId, modelId);
      await events.publish(tx, 'llm_admin.model_changed', { orgId, modelId, provider: entry.provider, model: entry.model, change: 'deleted', fields: [] }, { actor, orgId });
    });
  }

  /** Instance administrators: the instance's models. */
  async function listInstance(): Promise<LlmModelView[]> {
    return (await instanceEntries()).map((e) => view(e));
  }

  /** Instance administrators: change an instance model everywhere; null goes back to the settings' value. */
  async function updateInstance(actor: Actor, modelId: string, input: Static<typeof UpdateInstanceModelBody>): Promise<LlmModelView> {
    const settingsModel = llm.models.find((m) => instanceModelId(modelRef(m)) === modelId);
    if (!settingsModel) throw modelNotFound();
    checkPrices(input.inputPrice, input.outputPrice);
    const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    await cache.change(db, 'all', async (tx) => {
      const current = (await models.instanceChanges(tx)).find((r) => r.id === modelId);
      const pick = <K extends keyof ModelRow>(column: K, value: ModelRow[K] | undefined): ModelRow[K] | null => (value === undefined ? (current?.[column] ?? null) : value);
      await models.upsertInstance(tx, {
        id: modelId,
        org_id: null,
        provider_id: null,
        provider_name: settingsModel.provider,
        model: settingsModel.model,
        deployment: null,
        context_window: pick('context_window', input.contextWindow),
        input_price: pick('input_price', input.inputPrice),
        output_price: pick('output_price', input.outputPrice),
        supports_tools: pick('supports_tools', input.supportsTools),
        enabled: pick('enabled', input.enabled),
        minimum_role: pick('minimum_role', input.minimumRole),
        fallback: [],
        updated_by: actor.principal.userId,
        updated_at: clock.now(),
      });
      await events.publish(tx, 'llm_admin.model_changed', { orgId: null, modelId, provider: settingsModel.provider, model: settingsModel.model, change: 'updated', fields }, { actor, orgId: null });
    });
    return view(mustFind(await instanceEntries(), modelId));
  }

  return { entriesOf, forCalls, list, create, update, remove, listInstance, updateInstance, view, defaultId };
}

export type Catalog = ReturnType<typeof createCatalog>;

const modelNotFound = () => LlmProblems.modelNotFound.error('Model not found');
