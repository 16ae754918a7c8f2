// What a module from an installed package builds with. A package exports
// `trellisModule(sdk: TrellisSdk)` and returns its definition; the app calls it with this object
// (module-packages.ts). The package imports only types from Trellis (erased at run time), so it
// never loads a second copy of core beside the app's: one event catalog, one problem registry,
// one TypeBox, whatever version of Trellis the package was built against (decision 0037).
import { sql } from 'kysely';
import { Type } from 'typebox';
import { defineProblem } from './core/errors.ts';
import { defineEvents, Id, Instant, Nullable, OneOf, Payload } from './core/events/declarations.ts';
import { subscriber } from './core/events/types.ts';
import { decodeCursor, isUuidKey, PageQuery, pageOf, toPage } from './core/http/pagination.ts';
import { principalOf } from './core/http/principal.ts';
import { Line, named, Text, Timestamp, Uuid } from './core/http/schema-types.ts';
import { defineModule } from './core/module.ts';
import { notificationKind } from './core/notifications/kinds.ts';
import { authModule } from './modules/auth/index.ts';
import { OrgProblems, organizationsModule } from './modules/organizations/index.ts';

export const sdk = {
  defineModule,
  defineEvents,
  defineProblem,
  subscriber,
  /** A notification kind its events raise (decision 0035), for `notifications` in the definition. */
  notificationKind,
  /** Payload schemas of events. */
  events: { Payload, Id, Instant, Nullable, OneOf },
  /** Request and response schemas: the shared vocabulary of decision 0020 and named components. */
  schemas: { Type, Line, Text, Uuid, Timestamp, named, pageOf, PageQuery },
  pages: { decodeCursor, isUuidKey, toPage },
  principalOf,
  sql,
  /** The modules a package may require: identity and tenancy, for access checks. */
  modules: { auth: authModule, organizations: organizationsModule },
  problems: { organizations: OrgProblems },
};

export type TrellisSdk = typeof sdk;
export type { ModuleDefinition, ModuleInstance, CoreDeps, NotificationContribution } from './core/module.ts';
export type { HttpServer } from './core/http/server.ts';
export type { Executor } from './core/db/database.ts';
