// The schema of the source's MySQL/MariaDB database from information_schema, which shows only
// what the login may see: tables and views, columns, primary keys and foreign keys
// (KEY_COLUMN_USAGE), and TABLE_ROWS estimates (InnoDB's are approximate; views have none). One
// MySQL database is one schema; the source sees the database it connects to.
import type { SourceSchema, SourceTable } from '../types.ts';
import { columnTypeOf } from './values.ts';

type Query = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

const TABLES = `
SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS estimate
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
ORDER BY TABLE_NAME`;

const COLUMNS = `
SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS db_type, DATA_TYPE AS data_type,
       IS_NULLABLE AS nullable, ORDINAL_POSITION AS position
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ?
ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const KEYS = `
SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col,
       REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_col
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = ? AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL)
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`;

export async function introspectMysql(query: Query, database: string): Promise<SourceSchema> {
  const tables = new Map<string, SourceTable>();
  for (const t of await query(TABLES, [database])) {
    const kind = t.type === 'VIEW' ? 'view' : 'table';
    const estimate = kind === 'view' || t.estimate === null ? null : Number(t.estimate);
    tables.set(t.name as string, { name: t.name as string, kind, rowEstimate: estimate, columns: [], primaryKey: [], foreignKeys: [] });
  }
  for (const c of await query(COLUMNS, [database])) {
    tables.get(c.tbl as string)?.columns.push({
      name: c.name as string,
      dbType: c.db_type as string,
      type: columnTypeOf(c.data_type as string),
      nullable: c.nullable === 'YES',
      position: Number(c.position),
    });
  }
  const foreign = new Map<string, SourceTable['foreignKeys'][number]>();
  for (const k of await query(KEYS, [database])) {
    const table = tables.get(k.tbl as string);
    if (!table) continue;
    if (k.name === 'PRIMARY') {
      table.primaryKey.push(k.col as string);
      continue;
    }
    const id = `${k.tbl}\u0000${k.name}`;
    let fk = foreign.get(id);
    if (!fk) {
      fk = { columns: [], references: { schema: k.ref_schema as string, table: k.ref_table as string, columns: [] } };
      foreign.set(id, fk);
      table.foreignKeys.push(fk);
    }
    fk.columns.push(k.col as string);
    fk.references.columns.push(k.ref_col as string);
  }
  return { schemas: tables.size === 0 ? [] : [{ name: database, tables: [...tables.values()] }] };
}
