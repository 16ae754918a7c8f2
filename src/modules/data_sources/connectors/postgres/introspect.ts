// The schema of a PostgreSQL database from pg_catalog: every schema but the system ones, the
// tables, partitioned tables, foreign tables, views and materialised views the session may read,
// their columns, primary and foreign keys, and `reltuples` row estimates. Run inside the driver's
// read-only transaction (and role), so it lists what queries will be able to read.
import type { SourceSchema, SourceTable } from '../types.ts';
import { columnType } from './values.ts';

type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

const RELATIONS = `
SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind AS kind, c.reltuples::float8 AS reltuples
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
ORDER BY n.nspname, c.relname`;

// Domains report their base type's oid and category, as result columns do.
const COLUMNS = `
SELECT a.attrelid::int8 AS oid, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS db_type,
       CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END::int8 AS type_oid,
       coalesce(b.typcategory, t.typcategory) AS category, NOT a.attnotnull AS nullable,
       row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::int AS position
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

// Key columns in key order (unnest … WITH ORDINALITY keeps conkey's order).
const KEYS = `
SELECT con.conrelid::int8 AS oid, con.conname AS name, con.contype AS type,
       array_agg(a.attname::text ORDER BY k.ord) AS columns,
       rn.nspname::text AS ref_schema, rc.relname::text AS ref_table,
       array_agg(ra.attname::text ORDER BY k.ord) FILTER (WHERE ra.attname IS NOT NULL) AS ref_columns
FROM pg_catalog.pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.ord]
WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'f')
GROUP BY con.conrelid, con.conname, con.contype, rn.nspname, rc.relname
ORDER BY con.conrelid, con.conname`;

export async function introspectPostgres(query: Query): Promise<SourceSchema> {
  const relations = (await query(RELATIONS)).rows;
  const oids = relations.map((r) => String(r.oid));
  const tables = new Map<string, SourceTable & { schema: string }>();
  for (const r of relations) {
    const kind = r.kind === 'v' || r.kind === 'm' ? 'view' : 'table';
    // reltuples is -1 before the first ANALYZE (PostgreSQL 14+), 0 for views.
    const estimate = kind === 'view' || (r.reltuples as number) < 0 ? null : Math.round(r.reltuples as number);
    tables.set(String(r.oid), {
      schema: r.schema as string,
      name: r.name as string,
      kind,
      rowEstimate: estimate,
      columns: [],
      primaryKey: [],
      foreignKeys: [],
    });
  }
  if (oids.length > 0) {
    for (const c of (await query(COLUMNS, [oids])).rows) {
      tables.get(String(c.oid))?.columns.push({
        name: c.name as string,
        dbType: c.db_type as string,
        type: columnType(Number(c.type_oid), c.category as string),
        nullable: c.nullable as boolean,
        position: c.position as number,
      });
    }
    for (const k of (await query(KEYS, [oids])).rows) {
      const table = tables.get(String(k.oid));
      if (!table) continue;
      if (k.type === 'p') table.primaryKey = k.columns as string[];
      else {
        table.foreignKeys.push({
          columns: k.columns as string[],
          references: { schema: k.ref_schema as string, table: k.ref_table as string, columns: (k.ref_columns as string[]) ?? [] },
        });
      }
    }
  }
  const schemas = new Map<string, SourceTable[]>();
  for (const { schema, ...table } of tables.values()) {
    const list = schemas.get(schema) ?? [];
    list.push(table);
    schemas.set(schema, list);
  }
  return { schemas: [...schemas].map(([name, list]) => ({ name, tables: list })) };
}
