// What a source holds, as people and the question generator read it: the synced schema with the
// descriptions people wrote (kept apart, so a sync never loses them) and the source's glossary.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Registries, SourceSchema } from '../../core/contributions.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { DataSourcesProblems } from './problems.ts';
import { descriptions, type GlossaryRow, glossary, schemas } from './repository.ts';
import type { CreateTermBody, DescriptionBody, GlossaryTermView, SchemaView, UpdateTermBody } from './schemas.ts';
import type { SourcesService } from './service.ts';

export type SchemaViewType = Static<typeof SchemaView>;
type TermView = Static<typeof GlossaryTermView>;

const termView = (r: GlossaryRow): TermView => ({ id: r.id, term: r.term, definition: r.definition, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() });

export function createCatalog(deps: { db: Executor; clock: Clock; orgs: OrganizationsApi; sources: SourcesService; registries: Registries }) {
  const { db, clock, orgs, sources } = deps;

  /** The synced schema with descriptions: people's first, else what the owning module wrote (workspace). */
  async function schemaOf(orgId: string, sourceId: string, exec: Executor = db): Promise<SchemaViewType> {
    const row = await sources.mustFind(orgId, sourceId, exec);
    const stored = await schemas.bySource(exec, orgId, sourceId);
    const written = new Map((await descriptions.bySource(exec, orgId, sourceId)).map((d) => [`${d.schema_name}\u0000${d.table_name}\u0000${d.column_name}`, d.description]));
    const contributed = (table: string, column: string) => {
      if (row.kind !== 'workspace') return null;
      const relation = deps.registries.workspaceRelations.get(table);
      return (column ? relation?.columns[column] : relation?.description) ?? null;
    };
    const describe = (schema: string, table: string, column = '') => written.get(`${schema}\u0000${table}\u0000${column}`) ?? contributed(table, column);
    const synced = (stored?.schema as SourceSchema | undefined) ?? { schemas: [] };
    return {
      sourceId,
      syncedAt: stored?.synced_at.toISOString() ?? null,
      schemaVersion: row.schema_version,
      schemas: synced.schemas.map((s) => ({
        name: s.name,
        tables: s.tables.map((t) => ({
          name: t.name,
          kind: t.kind,
          rowEstimate: t.rowEstimate,
          description: describe(s.name, t.name),
          columns: t.columns.map((c) => ({ name: c.name, type: c.type, dbType: c.dbType, nullable: c.nullable, description: describe(s.name, t.name, c.name) })),
          primaryKey: t.primaryKey,
          foreignKeys: t.foreignKeys,
        })),
      })),
    };
  }

  async function getSchema(actor: Actor, orgId: string, sourceId: string): Promise<SchemaViewType> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    return schemaOf(orgId, sourceId);
  }

  /** Writes (or, empty, removes) the description of a synced table or column. */
  async function describe(actor: Actor, orgId: string, sourceId: string, input: Static<typeof DescriptionBody>): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const schema = await schemaOf(orgId, sourceId);
    const table = schema.schemas.find((s) => s.name === input.schema)?.tables.find((t) => t.name === input.table);
    if (!table) throw DataSourcesProblems.unknownTable.error(`The synced schema has no table ${input.schema}.${input.table}`, { errors: [{ field: 'body.table', message: 'is not in the synced schema' }] });
    if (input.column && !table.columns.some((c) => c.name === input.column)) {
      throw DataSourcesProblems.unknownTable.error(`Table ${input.schema}.${input.table} has no column ${input.column}`, { errors: [{ field: 'body.column', message: 'is not a column of the table' }] });
    }
    const key = { schema_name: input.schema, table_name: input.table, column_name: input.column ?? '' };
    const text = input.description.trim();
    if (!text) await descriptions.delete(db, orgId, sourceId, key);
    else await descriptions.upsert(db, { source_id: sourceId, org_id: orgId, ...key, description: text, updated_by: actor.principal.userId, updated_at: clock.now() });
  }

  async function listTerms(actor: Actor, orgId: string, sourceId: string): Promise<{ data: TermView[] }> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    await sources.mustFind(orgId, sourceId);
    return { data: (await glossary.bySource(db, orgId, sourceId)).map(termView) };
  }

  const taken = (err: unknown) => (err as { code?: string }).code === '23505';

  async function addTerm(actor: Actor, orgId: string, sourceId: string, input: Static<typeof CreateTermBody>): Promise<TermView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    await sources.mustFind(orgId, sourceId);
    const now = clock.now();
    const row: GlossaryRow = { id: uuidv7(), source_id: sourceId, org_id: orgId, term: input.term.trim(), definition: input.definition.trim(), created_by: actor.principal.userId, created_at: now, updated_at: now };
    try {
      await glossary.insert(db, row);
    } catch (err) {
      if (taken(err)) throw DataSourcesProblems.termTaken.error(`The glossary has "${row.term}" already`);
      throw err;
    }
    return termView(row);
  }

  async function updateTerm(actor: Actor, orgId: string, sourceId: string, termId: string, input: Static<typeof UpdateTermBody>): Promise<TermView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const row = await glossary.byId(db, orgId, sourceId, termId);
    if (!row) throw DataSourcesProblems.termNotFound.error('Glossary term not found');
    const set = { ...(input.term ? { term: input.term.trim() } : {}), ...(input.definition ? { definition: input.definition.trim() } : {}), updated_at: clock.now() };
    try {
      await glossary.update(db, orgId, termId, set);
    } catch (err) {
      if (taken(err)) throw DataSourcesProblems.termTaken.error(`The glossary has "${input.term}" already`);
      throw err;
    }
    return termView({ ...row, ...set });
  }

  async function removeTerm(actor: Actor, orgId: string, sourceId: string, termId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (!(await glossary.delete(db, orgId, sourceId, termId))) throw DataSourcesProblems.termNotFound.error('Glossary term not found');
  }

  /** The glossary as the question generator reads it. */
  const glossaryOf = async (orgId: string, sourceId: string, exec: Executor = db) => (await glossary.bySource(exec, orgId, sourceId)).map((g) => ({ term: g.term, definition: g.definition }));

  return { schemaOf, getSchema, describe, listTerms, addTerm, updateTerm, removeTerm, glossaryOf };
}

export type Catalog = ReturnType<typeof createCatalog>;
