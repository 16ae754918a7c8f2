// The dashboards use cases: who may do what, the rules, the events. Routes call these; SQL lives
// in the repository, the access rule in access.ts, the grid in layout.ts, filters in filters.ts.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { type Actor, type Caller, memberActor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems, type FieldError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import { API_PREFIX } from '../../core/http/server.ts';
import type { Clock } from '../../core/module.ts';
import type { AnalyticsApi } from '../analytics/index.ts';
import type { OrganizationsApi, OrgRole } from '../organizations/index.ts';
import { type Access, collectionAccess, dashboardAccess, type Grant, mayAdd } from './access.ts';
import { filterDefErrors, givenErrors, resolveFilters, widgetParameters } from './filters.ts';
import { layoutErrors } from './layout.ts';
import { renderMarkdown } from './markdown.ts';
import { DashboardsProblems as P } from './problems.ts';
import { type CollectionRow, collections, type DashboardRow, dashboards, type ShareRow, shares } from './repository.ts';
import type { CollectionView, CreateDashboardBody, DashboardDataView, DashboardView, FilterDef, FilterValue, SharedDashboardView, ShareView, UpdateDashboardBody, Widget } from './schemas.ts';
import type { DashboardsSettings } from './settings.ts';
import type { ShareLinks } from '../../core/security/share-links.ts';
import { type ChartData, computeWidgets, createWidgetData, type WidgetData } from './widgets.ts';

export type Dashboard = Static<typeof DashboardView>;
export type Collection = Static<typeof CollectionView>;
export type DashboardData = Static<typeof DashboardDataView>;
export type Share = Static<typeof ShareView>;
export type SharedDashboard = Static<typeof SharedDashboardView>;

/** What other modules may ask of this one (through index.ts). */
export interface DashboardsApi {
  /** A dashboard of the org as stored, whoever may see it (for exports and subscriptions: check access yourself). */
  getDashboard(orgId: string, dashboardId: string, exec?: Executor): Promise<Omit<Dashboard, 'access'> | null>;
  /** What `userId` may do with the dashboard: 'none' when it does not exist or is not theirs to see. */
  accessOf(userId: string, orgId: string, dashboardId: string): Promise<Access>;
}

export interface DashboardsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  analytics: Pick<AnalyticsApi, 'getQuestion' | 'questionRuns'>;
  settings: DashboardsSettings;
  links: ShareLinks;
  /** The charts port (widgets.ts): null until the visualizations façade is wired in index.ts. */
  chartData: ChartData | null;
}

const DEFAULT_SHARE_HOURS = 7 * 24;

const widgetView = (w: Widget) => (w.kind === 'text' ? { ...w, html: renderMarkdown(w.markdown ?? '') } : w);
const toView = (r: DashboardRow, access: 'view' | 'edit'): Dashboard => ({
  id: r.id,
  orgId: r.org_id,
  collectionId: r.collection_id,
  name: r.name,
  description: r.description,
  widgets: r.widgets.map(widgetView),
  filters: r.filters,
  access,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});
const toCollectionView = (r: CollectionRow, access: 'view' | 'edit'): Collection => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  grants: r.grants,
  access,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const invalid = (message: string, errors: FieldError[]) => CoreProblems.validationFailed.error(message, { errors });

/** `?filters=` as an object of filter id → value; 400 when it is not JSON or not an object. */
function parseFilters(raw: string | undefined): Record<string, FilterValue> {
  if (raw === undefined || raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid('filters is not JSON', [{ field: 'querystring.filters', message: 'must be a JSON object of filter id → value' }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('filters is not a JSON object', [{ field: 'querystring.filters', message: 'must be a JSON object of filter id → value' }]);
  return value as Record<string, FilterValue>;
}

export function createDashboardsService(deps: DashboardsDeps) {
  const { db, events, clock, orgs, analytics, settings, links } = deps;
  const widgetData = createWidgetData({ chartData: deps.chartData });
  const notFound = () => P.notFound.error('Dashboard not found');
  const collectionNotFound = () => P.collectionNotFound.error('Collection not found');

  const grantsOf = async (orgId: string, collectionId: string | null, exec: Executor = db) => (collectionId ? ((await collections.byId(exec, orgId, collectionId))?.grants ?? []) : null);

  /** The dashboard and what the caller may do with it; 404 when they may not see it, 403 when they need to edit and may only view. */
  async function load(actor: Actor, orgId: string, dashboardId: string, need: 'view' | 'edit', exec: Executor = db) {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer', exec);
    const row = await dashboards.byId(exec, orgId, dashboardId);
    if (!row) throw notFound();
    const access = dashboardAccess(actor.principal.userId, role, { createdBy: row.created_by }, await grantsOf(orgId, row.collection_id, exec));
    if (access === 'none') throw notFound();
    if (need === 'edit' && access !== 'edit') throw CoreProblems.forbidden.error('You may view this dashboard, not change it');
    return { row, role, access };
  }

  /** Throws unless the caller may put a dashboard in `collectionId` (null: outside collections). */
  async function assertMayAdd(actor: Actor, orgId: string, role: OrgRole, collectionId: string | null, exec: Executor = db) {
    let grants: Grant[] | null = null;
    if (collectionId) {
      const c = await collections.byId(exec, orgId, collectionId);
      if (!c || collectionAccess(actor.principal.userId, role, c.grants) === 'none') throw collectionNotFound();
      grants = c.grants;
    }
    if (!mayAdd(actor.principal.userId, role, grants)) throw CoreProblems.forbidden.error(collectionId ? 'You may not add dashboards to this collection' : 'Viewers may not add dashboards');
  }

  /** The grid, the filters and every question a widget names (it exists, it declares the mapped parameters). */
  async function validate(orgId: string, widgets: Widget[], filters: FilterDef[]) {
    const errors = [...filterDefErrors(filters), ...layoutErrors(widgets, filters)];
    await Promise.all(
      widgets.map(async (w, i) => {
        if (w.kind !== 'question' || !w.questionId) return;
        const question = await analytics.getQuestion(orgId, w.questionId);
        if (!question) {
          errors.push({ field: `body.widgets[${i}].questionId`, message: `widget "${w.id}" names no saved question of this organization` });
          return;
        }
        const declared = new Set(question.parameters.map((p) => p.name));
        for (const m of w.filters ?? []) {
          if (!declared.has(m.parameter)) errors.push({ field: `body.widgets[${i}].filters`, message: `widget "${w.id}" maps parameter "${m.parameter}", which its question does not declare` });
        }
      }),
    );
    if (errors.length) throw invalid('The dashboard is not valid', errors);
  }

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateDashboardBody>): Promise<Dashboard> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const collectionId = input.collectionId ?? null;
    await assertMayAdd(actor, orgId, role, collectionId);
    const widgets = input.widgets ?? [];
    const filters = input.filters ?? [];
    await validate(orgId, widgets, filters);
    const now = clock.now();
    const row: DashboardRow = { id: uuidv7(), org_id: orgId, collection_id: collectionId, name: input.name.trim(), description: input.description ?? '', widgets, filters, created_by: actor.principal.userId, created_at: now, updated_at: now };
    await db.transaction().execute(async (tx) => {
      await dashboards.insert(tx, row);
      await events.publish(tx, 'dashboards.created', { orgId, dashboardId: row.id, name: row.name, collectionId, sourceId: null }, { actor, orgId });
    });
    return toView(row, 'edit');
  }

  async function get(actor: Actor, orgId: string, dashboardId: string): Promise<Dashboard> {
    const { row, access } = await load(actor, orgId, dashboardId, 'view');
    return toView(row, access as 'view' | 'edit');
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number; collectionId?: string }): Promise<Page<Dashboard>> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const all = await collections.all(db, orgId);
    const grants = new Map(all.map((c) => [c.id, c.grants]));
    const visible = all.filter((c) => collectionAccess(actor.principal.userId, role, c.grants) !== 'none').map((c) => c.id);
    if (query.collectionId && !visible.includes(query.collectionId)) throw collectionNotFound();
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await dashboards.list(db, orgId, { beforeId: before ? String(before[0]) : undefined, limit: query.limit + 1, visible, collectionId: query.collectionId });
    const page = toPage(rows, query.limit, (r) => [r.id]);
    const view = (r: DashboardRow) => toView(r, dashboardAccess(actor.principal.userId, role, { createdBy: r.created_by }, r.collection_id ? (grants.get(r.collection_id) ?? []) : null) as 'view' | 'edit');
    return { data: page.data.map(view), page: page.page };
  }

  async function update(actor: Actor, orgId: string, dashboardId: string, patch: Static<typeof UpdateDashboardBody>): Promise<Dashboard> {
    const { row, role } = await load(actor, orgId, dashboardId, 'edit');
    if (patch.collectionId !== undefined && patch.collectionId !== row.collection_id) await assertMayAdd(actor, orgId, role, patch.collectionId);
    const widgets = patch.widgets ?? row.widgets;
    const filters = patch.filters ?? row.filters;
    if (patch.widgets || patch.filters) await validate(orgId, widgets, filters);
    const fields = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    const changes = {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.collectionId !== undefined ? { collection_id: patch.collectionId } : {}),
      ...(patch.widgets ? { widgets } : {}),
      ...(patch.filters ? { filters } : {}),
      updated_at: clock.now(),
    };
    const updated = await db.transaction().execute(async (tx) => {
      const r = await dashboards.update(tx, orgId, dashboardId, changes);
      if (!r) throw notFound();
      await events.publish(tx, 'dashboards.updated', { orgId, dashboardId, fields }, { actor, orgId });
      return r;
    });
    // Moved to a collection the editor may only view: answer what they now may do.
    const access = dashboardAccess(actor.principal.userId, role, { createdBy: updated.created_by }, await grantsOf(orgId, updated.collection_id));
    return toView(updated, access === 'none' ? 'view' : access);
  }

  async function remove(actor: Actor, orgId: string, dashboardId: string): Promise<void> {
    await load(actor, orgId, dashboardId, 'edit');
    await db.transaction().execute(async (tx) => {
      if (!(await dashboards.delete(tx, orgId, dashboardId))) throw notFound();
      await events.publish(tx, 'dashboards.deleted', { orgId, dashboardId }, { actor, orgId });
    });
  }

  async function duplicate(actor: Actor, orgId: string, dashboardId: string, input: { name?: string }): Promise<Dashboard> {
    const { row: source, role } = await load(actor, orgId, dashboardId, 'view');
    await assertMayAdd(actor, orgId, role, source.collection_id);
    const now = clock.now();
    const row: DashboardRow = { ...source, id: uuidv7(), name: input.name?.trim() ?? `Copy of ${source.name}`.slice(0, 200), created_by: actor.principal.userId, created_at: now, updated_at: now };
    await db.transaction().execute(async (tx) => {
      await dashboards.insert(tx, row);
      await events.publish(tx, 'dashboards.created', { orgId, dashboardId: row.id, name: row.name, collectionId: row.collection_id, sourceId: source.id }, { actor, orgId });
    });
    const access = dashboardAccess(actor.principal.userId, role, { createdBy: row.created_by }, await grantsOf(orgId, row.collection_id));
    return toView(row, access === 'none' ? 'view' : access);
  }

  /** Every widget computed as `actor`, with the filters given (checked) over the defaults. */
  async function compute(actor: Actor, orgId: string, row: DashboardRow, given: Record<string, FilterValue>): Promise<DashboardData> {
    const org = await orgs.getOrganization(orgId);
    const resolved = resolveFilters(row.filters, given, org?.timezone ?? 'UTC', clock.now());
    // The widgets' runs record their history together, in one transaction once all are done.
    const runs = analytics.questionRuns(actor, orgId);
    let widgets: WidgetData[];
    try {
      widgets = await computeWidgets(row.widgets, (w) => widgetData(actor, orgId, w, widgetParameters(w, resolved), runs), settings.widgetTimeoutMs);
    } finally {
      await runs.close();
    }
    return { dashboardId: row.id, filters: row.filters.map((f) => ({ id: f.id, value: resolved.get(f.id) ?? null })), widgets };
  }

  async function data(actor: Actor, orgId: string, dashboardId: string, rawFilters: string | undefined): Promise<DashboardData> {
    return (await snapshot(actor, orgId, dashboardId, parseFilters(rawFilters))).data;
  }

  /** The dashboard, if the caller may view it and the filters fit it. */
  async function loadFiltered(actor: Actor, orgId: string, dashboardId: string, given: Record<string, FilterValue>) {
    const loaded = await load(actor, orgId, dashboardId, 'view');
    // Signed-in viewers may change every filter: `locked` holds for share links only.
    const errors = givenErrors(loaded.row.filters, given, { refuseLocked: false });
    if (errors.length) throw invalid('The filters are not valid', errors);
    return loaded;
  }

  /** What an export checks before it is queued: the caller may view the dashboard, the filters fit it. */
  async function checkSnapshot(actor: Actor, orgId: string, dashboardId: string, given: Record<string, FilterValue>): Promise<void> {
    await loadFiltered(actor, orgId, dashboardId, given);
  }

  /** The dashboard and every widget's data as the caller: `/data`, and exports (export-job.ts). */
  async function snapshot(actor: Actor, orgId: string, dashboardId: string, given: Record<string, FilterValue>): Promise<{ dashboard: Dashboard; data: DashboardData }> {
    const { row, access } = await loadFiltered(actor, orgId, dashboardId, given);
    return { dashboard: toView(row, access as 'view' | 'edit'), data: await compute(actor, orgId, row, given) };
  }

  // --- Collections ---------------------------------------------------------------------------

  function checkGrants(grants: Grant[]) {
    const errors = grants.flatMap((g, i) => ((g.role === undefined) !== (g.userId === undefined) ? [] : [{ field: `body.grants[${i}]`, message: 'give either role or userId' }]));
    if (errors.length) throw invalid('The grants are not valid', errors);
  }

  async function createCollection(actor: Actor, orgId: string, input: { name: string; grants?: Grant[] }): Promise<Collection> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const grants = input.grants ?? [];
    checkGrants(grants);
    const now = clock.now();
    const row: CollectionRow = { id: uuidv7(), org_id: orgId, name: input.name.trim(), grants, created_by: actor.principal.userId, created_at: now, updated_at: now };
    try {
      await db.transaction().execute(async (tx) => {
        await collections.insert(tx, row);
        await events.publish(tx, 'dashboards.collection_changed', { orgId, collectionId: row.id, change: 'created' }, { actor, orgId });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw P.collectionNameTaken.error('Another collection of this organization has this name');
      throw err;
    }
    return toCollectionView(row, 'edit');
  }

  async function listCollections(actor: Actor, orgId: string): Promise<{ data: Collection[] }> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const all = await collections.all(db, orgId);
    const data: Collection[] = [];
    for (const c of all) {
      const access = collectionAccess(actor.principal.userId, role, c.grants);
      if (access !== 'none') data.push(toCollectionView(c, access));
    }
    return { data };
  }

  async function getCollection(actor: Actor, orgId: string, collectionId: string): Promise<Collection> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const c = await collections.byId(db, orgId, collectionId);
    const access = c ? collectionAccess(actor.principal.userId, role, c.grants) : 'none';
    if (!c || access === 'none') throw collectionNotFound();
    return toCollectionView(c, access);
  }

  async function updateCollection(actor: Actor, orgId: string, collectionId: string, patch: { name?: string; grants?: Grant[] }): Promise<Collection> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (patch.grants) checkGrants(patch.grants);
    try {
      return await db.transaction().execute(async (tx) => {
        const r = await collections.update(tx, orgId, collectionId, { ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), ...(patch.grants ? { grants: patch.grants } : {}), updated_at: clock.now() });
        if (!r) throw collectionNotFound();
        await events.publish(tx, 'dashboards.collection_changed', { orgId, collectionId, change: 'updated' }, { actor, orgId });
        return toCollectionView(r, 'edit');
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw P.collectionNameTaken.error('Another collection of this organization has this name');
      throw err;
    }
  }

  async function removeCollection(actor: Actor, orgId: string, collectionId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    await db.transaction().execute(async (tx) => {
      if (await collections.hasDashboards(tx, orgId, collectionId)) throw P.collectionNotEmpty.error('The collection still holds dashboards');
      if (!(await collections.delete(tx, orgId, collectionId))) throw collectionNotFound();
      await events.publish(tx, 'dashboards.collection_changed', { orgId, collectionId, change: 'deleted' }, { actor, orgId });
    });
  }

  // --- Share links ---------------------------------------------------------------------------

  async function createShare(actor: Actor, orgId: string, dashboardId: string, input: { expiresInHours?: number }): Promise<Share> {
    await load(actor, orgId, dashboardId, 'edit');
    const now = clock.now();
    // To the second: the token carries whole seconds.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + (input.expiresInHours ?? DEFAULT_SHARE_HOURS) * 3_600_000);
    const row: ShareRow = { id: uuidv7(), org_id: orgId, dashboard_id: dashboardId, created_by: actor.principal.userId, creator_email: actor.principal.email, expires_at: expiresAt, revoked_at: null, created_at: now };
    await db.transaction().execute(async (tx) => {
      await shares.insert(tx, row);
      await events.publish(tx, 'dashboards.shared', { orgId, dashboardId, shareId: row.id, expiresAt: expiresAt.toISOString() }, { actor, orgId });
    });
    return shareView(row);
  }

  /** The token is signed again, not stored: the same share and expiry always sign to the same token. */
  function shareView(row: ShareRow): Share {
    const token = links.sign(row.id, row.expires_at);
    return {
      id: row.id,
      dashboardId: row.dashboard_id,
      token,
      url: `${API_PREFIX}/shared-dashboards/${token}`,
      expiresAt: row.expires_at.toISOString(),
      revokedAt: row.revoked_at?.toISOString() ?? null,
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
    };
  }

  async function listShares(actor: Actor, orgId: string, dashboardId: string): Promise<{ data: Share[] }> {
    await load(actor, orgId, dashboardId, 'edit');
    return { data: (await shares.list(db, orgId, dashboardId)).map(shareView) };
  }

  async function revokeShare(actor: Actor, orgId: string, dashboardId: string, shareId: string): Promise<void> {
    await load(actor, orgId, dashboardId, 'edit');
    await db.transaction().execute(async (tx) => {
      if (!(await shares.revoke(tx, orgId, dashboardId, shareId, clock.now()))) throw P.shareNotFound.error('Share link not found');
      await events.publish(tx, 'dashboards.share_revoked', { orgId, dashboardId, shareId }, { actor, orgId });
    });
  }

  /**
   * The share behind a token, checked live: signed, unexpired, unrevoked, and its creator still
   * sees the dashboard and every question on it. Anything else is the same 404, so a token says
   * nothing about why it stopped working. Answers the creator as the actor views run as.
   */
  async function resolveShare(caller: Caller, token: string) {
    const gone = () => P.shareNotFound.error('This share link does not work');
    const now = clock.now();
    const signed = links.verify(token, now);
    if (!signed) throw gone();
    const share = await shares.byId(db, signed.shareId);
    if (!share || share.revoked_at || share.expires_at.getTime() !== signed.expiresAt.getTime() || share.expires_at <= now) throw gone();
    const row = await dashboards.byId(db, share.org_id, share.dashboard_id);
    if (!row) throw gone();
    const role = await orgs.roleOf(share.created_by, share.org_id);
    if (!role || dashboardAccess(share.created_by, role, { createdBy: row.created_by }, await grantsOf(share.org_id, row.collection_id)) === 'none') throw gone();
    const questions = [...new Set(row.widgets.flatMap((w) => (w.kind === 'question' && w.questionId ? [w.questionId] : [])))];
    const found = await Promise.all(questions.map((id) => analytics.getQuestion(share.org_id, id)));
    if (found.some((q) => !q)) throw gone();
    // The creator, as the rights every view runs with; the request is the anonymous viewer's.
    const creator: Actor = { ...memberActor({ userId: share.created_by, email: share.creator_email }), requestId: caller.requestId, ip: caller.ip, userAgent: caller.userAgent };
    return { share, row, creator };
  }

  async function viewed(caller: Caller, share: ShareRow, what: 'dashboard' | 'data') {
    await events.publish(db, 'dashboards.shared_dashboard_viewed', { orgId: share.org_id, dashboardId: share.dashboard_id, shareId: share.id, what }, { actor: caller, actorId: null, orgId: share.org_id });
  }

  async function sharedView(caller: Caller, token: string): Promise<SharedDashboard> {
    const { share, row } = await resolveShare(caller, token);
    await viewed(caller, share, 'dashboard');
    return { id: row.id, name: row.name, description: row.description, widgets: row.widgets.map(widgetView), filters: row.filters, expiresAt: share.expires_at.toISOString() };
  }

  async function sharedData(caller: Caller, token: string, rawFilters: string | undefined): Promise<DashboardData> {
    const { share, row, creator } = await resolveShare(caller, token);
    const given = parseFilters(rawFilters);
    // Locked filters are refused, not ignored: a viewer who sets one learns it did not apply.
    const errors = givenErrors(row.filters, given, { refuseLocked: true });
    if (errors.length) throw invalid('The filters are not valid', errors);
    await viewed(caller, share, 'data');
    return compute(creator, share.org_id, row, given);
  }

  const api: DashboardsApi = {
    async getDashboard(orgId, dashboardId, exec = db) {
      const row = await dashboards.byId(exec, orgId, dashboardId);
      if (!row) return null;
      const { access: _access, ...view } = toView(row, 'view');
      return view;
    },
    async accessOf(userId, orgId, dashboardId) {
      const role = await orgs.roleOf(userId, orgId);
      const row = role ? await dashboards.byId(db, orgId, dashboardId) : undefined;
      if (!role || !row) return 'none';
      return dashboardAccess(userId, role, { createdBy: row.created_by }, await grantsOf(orgId, row.collection_id));
    },
  };

  return { create, get, list, update, remove, duplicate, data, checkSnapshot, snapshot, createCollection, listCollections, getCollection, updateCollection, removeCollection, createShare, listShares, revokeShare, sharedView, sharedData, api };
}

export type DashboardsService = ReturnType<typeof createDashboardsService>;
