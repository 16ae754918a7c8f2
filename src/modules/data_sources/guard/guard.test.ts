import { describe, expect, it } from 'vitest';
import { acceptedCases } from './accepted-cases.ts';
import { duckdbFunctions, mysqlFunctions, mysqlInformationSchema, postgresFunctions, postgresRelations, workspaceFunctions } from './deny-lists.ts';
import { hostileCases } from './hostile-cases.ts';
import { type Dialect, type GuardResult, guardSql } from './index.ts';
import { parseSync } from './pg-parser.ts';

const WORKSPACE = ['projects', 'tasks', 'clients', 'members', 'time_entries'];
const FILES = ['sales', 'customers'];

const label = (dialect: string, sql: string) => `${dialect}: ${sql.length > 90 ? `${sql.slice(0, 89)}…` : sql}`.replace(/\s+/g, ' ');

function refused(result: GuardResult) {
  if (result.ok) throw new Error(`expected a refusal, the guard accepted ${JSON.stringify(result.sql)}`);
  return result;
}

function accepted(result: GuardResult) {
  if (!result.ok) throw new Error(`expected the query to pass, the guard refused it: ${result.code}: ${result.reason}`);
  return result;
}

/** A name that a deny-list pattern stands for (`pg_sleep*` → `pg_sleep`, `*_scan` → `x_scan`). */
const instance = (pattern: string) => pattern.replace(/^\*/, 'x').replace(/\*$/, '');

describe('the hostile corpus', () => {
  it('is large and spans every dialect', () => {
    expect(new Set(hostileCases.map((c) => `${c.dialect}:${c.sql}`)).size).toBe(hostileCases.length);
    expect(new Set(hostileCases.map((c) => c.sql)).size).toBeGreaterThanOrEqual(250);
    for (const dialect of ['postgres', 'mysql', 'mariadb', 'duckdb', 'workspace'] satisfies Dialect[]) {
      expect(hostileCases.filter((c) => c.dialect === dialect).length, dialect).toBeGreaterThanOrEqual(20);
    }
  });

  it.each(hostileCases.map((c) => [label(c.dialect, c.sql), c] as const))('refuses %s', (_name, c) => {
    const result = refused(guardSql(c.sql, { dialect: c.dialect, allowedRelations: c.allowedRelations }));
    expect(result.code).toBe(c.code);
    expect(result.reason.length).toBeGreaterThan(10);
    expect(result.reason.length).toBeLessThan(300);
  });
});

describe('queries people write', () => {
  it.each(acceptedCases.map((c) => [label(c.dialect, c.sql), c] as const))('accepts %s', (_name, c) => {
    const result = accepted(guardSql(c.sql, { dialect: c.dialect, allowedRelations: c.allowedRelations }));
    expect(result.sql).toBe(c.statement ?? c.sql);
    if (c.relations) expect(result.relations).toEqual(c.relations);
  });
});

describe('reasons name what is refused, in plain words', () => {
  it.each([
    ['SELECT 1; SELECT 2', 'postgres', 'only one statement is allowed; found 2'],
    ['SELECT 1; SELECT 2; SELECT 3;', 'mariadb', 'only one statement is allowed; found 3'],
    ['SELECT pg_sleep(1)', 'postgres', 'pg_sleep is not allowed: it can stall the database'],
    ['SELECT * FROM pg_authid', 'postgres', 'relation pg_authid is not allowed: it holds credentials'],
    ['SELECT * FROM orders', 'duckdb', 'relation orders is not a table of this source; its tables are: sales, customers'],
    ['DELETE FROM t', 'postgres', 'only a SELECT query is allowed; found DELETE'],
    ['WITH d AS (DELETE FROM t RETURNING 1) SELECT 1', 'postgres', 'WITH d AS (DELETE …) is not allowed: a query may not change data'],
    ['SELECT * FROM t FOR NO KEY UPDATE', 'postgres', 'FOR NO KEY UPDATE is not allowed: a query takes no row locks'],
    ['SELECT * FROM t LOCK IN SHARE MODE', 'mysql', 'LOCK IN SHARE MODE is not allowed: a query takes no row locks'],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 'mariadb', 'SELECT … INTO OUTFILE is not allowed: a query only returns rows'],
    ['SELECT SLEEP(1)', 'mariadb', 'sleep is not allowed: it can stall the database'],
    ['SELECT * FROM auth.users', 'workspace', 'relation auth.users is not allowed: the workspace source reads only its own relations, by unqualified name: projects, tasks, clients, members, time_entries'],
    ['SELECT * FROM information_schema.processlist', 'mysql', "relation information_schema.processlist is not allowed: it exposes other sessions' queries"],
    ["SELECT * FROM read_csv('/etc/passwd')", 'duckdb', 'read_csv is not allowed: a query reads only the tables of its own source, never files, URLs or other databases'],
  ] as const)('%s (%s)', (sql, dialect, reason) => {
    const allowedRelations = dialect === 'workspace' ? WORKSPACE : dialect === 'duckdb' ? FILES : undefined;
    expect(refused(guardSql(sql, { dialect, allowedRelations })).reason).toBe(reason);
  });

  it('says why a query does not parse', () => {
    expect(refused(guardSql('SELECT FROM WHERE', { dialect: 'postgres' })).reason).toMatch(/^the SQL could not be parsed: syntax error at or near "WHERE"/);
    expect(refused(guardSql('FROM sales SELECT *', { dialect: 'duckdb', allowedRelations: FILES })).reason).toMatch(/DuckDB-only forms such as FROM-first/);
    expect(refused(guardSql('SELECT a FROM t WHERE', { dialect: 'mariadb' })).reason).toMatch(/^the SQL could not be parsed: syntax error at end of input/);
    expect(refused(guardSql("SELECT 'abc", { dialect: 'mysql' })).reason).toBe("the SQL could not be parsed: a 'string' is not closed");
  });
});

describe('every deny-listed function, however it is spelled', () => {
  const pgNames = postgresFunctions.patterns.map(instance);
  it.each(pgNames)('postgres refuses %s', (name) => {
    for (const sql of [`SELECT ${name}()`, `SELECT pg_catalog.${name}()`, `SELECT "${name}"()`, `SELECT ${name.toUpperCase()}()`, `SELECT * FROM ${name}()`, `SELECT * FROM t WHERE x IN (SELECT ${name}())`]) {
      const result = refused(guardSql(sql, { dialect: 'postgres' }));
      expect(result.code, sql).toBe('denied_function');
      expect(result.reason, sql).toMatch(new RegExp(`^${name} is not allowed: `));
    }
    // PostgreSQL keeps the case of a quoted name: "PG_SLEEP" is another (unknown) function.
    expect(accepted(guardSql(`SELECT "${name.toUpperCase()}"()`, { dialect: 'postgres' })).functions).toEqual([name.toUpperCase()]);
  });

  it.each(pgNames)('the workspace refuses %s too', (name) => {
    expect(refused(guardSql(`SELECT ${name}() FROM projects`, { dialect: 'workspace', allowedRelations: WORKSPACE })).code).toBe('denied_function');
  });

  it.each(workspaceFunctions.patterns.map(instance))('the workspace refuses %s, which PostgreSQL allows', (name) => {
    for (const sql of [`SELECT ${name}('time_tracking.entries') FROM projects`, `SELECT pg_catalog.${name}(1)`, `SELECT * FROM ${name}(1)`]) {
      expect(refused(guardSql(sql, { dialect: 'workspace', allowedRelations: WORKSPACE })).code, sql).toBe('denied_function');
    }
    accepted(guardSql(`SELECT ${name}('t')`, { dialect: 'postgres' }));
  });

  it.each(mysqlFunctions.patterns.map(instance))('mysql and mariadb refuse %s', (name) => {
    for (const dialect of ['mysql', 'mariadb'] as const) {
      for (const sql of [`SELECT ${name}(1)`, `SELECT ${name.toUpperCase()}(1)`, `SELECT \`${name}\`(1)`, `SELECT ${name} (1)`, `SELECT x FROM t WHERE y = (SELECT ${name}(1))`]) {
        expect(refused(guardSql(sql, { dialect })).code, `${dialect}: ${sql}`).toBe('denied_function');
      }
    }
  });

  it.each(duckdbFunctions.patterns.map(instance))('duckdb refuses %s', (name) => {
    // DuckDB resolves every identifier without regard to case, quoted ones too.
    for (const sql of [`SELECT * FROM ${name}('x')`, `SELECT * FROM "${name.toUpperCase()}"('x')`, `SELECT ${name}('x') FROM sales`]) {
      expect(refused(guardSql(sql, { dialect: 'duckdb', allowedRelations: FILES })).code, sql).toBe('denied_function');
    }
  });

  it.each(postgresRelations.patterns)('postgres refuses the relation %s, qualified or not', (name) => {
    for (const sql of [`SELECT * FROM ${name}`, `SELECT * FROM pg_catalog.${name}`, `SELECT * FROM "${name}"`, `SELECT (SELECT count(*) FROM ${name})`]) {
      expect(refused(guardSql(sql, { dialect: 'postgres' })).code, sql).toBe('denied_relation');
    }
  });

  it.each(mysqlInformationSchema.patterns)('mysql refuses information_schema.%s', (name) => {
    expect(refused(guardSql(`SELECT * FROM information_schema.${name.toUpperCase()}`, { dialect: 'mysql' })).code).toBe('denied_relation');
  });
});

describe('what the guard hands back', () => {
  it('is the checked statement without comments or semicolons, safe to wrap', () => {
    const result = accepted(guardSql("SELECT 'é' AS e, a FROM t -- the end\n;", { dialect: 'postgres' }));
    expect(result.sql).toBe("SELECT 'é' AS e, a FROM t");
    expect(parseSync(`SELECT * FROM (${result.sql}) q LIMIT 10`).stmts).toHaveLength(1);
    expect(accepted(guardSql('SELECT a FROM t # note', { dialect: 'mariadb' })).sql).toBe('SELECT a FROM t');
  });

  it('lists relations without CTE names, and functions as written', () => {
    const result = accepted(guardSql('WITH x AS (SELECT * FROM orders) SELECT lower(name), public.f(1) FROM x JOIN sales.customers c ON true', { dialect: 'postgres' }));
    expect(result.relations).toEqual(['orders', 'sales.customers']);
    expect(result.functions).toEqual(['lower', 'public.f']);
    const mysql = accepted(guardSql('WITH x AS (SELECT * FROM orders) SELECT LOWER(name) FROM x JOIN shop.customers c ON 1 = 1', { dialect: 'mysql' }));
    expect(mysql.relations).toEqual(['orders', 'shop.customers']);
    expect(mysql.functions).toEqual(['LOWER']);
  });

  it('scopes CTE names as the server does', () => {
    // A plain WITH item cannot see itself or later items: those names are real tables.
    expect(refused(guardSql('WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', { dialect: 'workspace', allowedRelations: WORKSPACE })).reason).toMatch(/^relation b is not a table/);
    expect(refused(guardSql('WITH tasks AS (SELECT * FROM tasks) SELECT * FROM secrets', { dialect: 'workspace', allowedRelations: WORKSPACE })).reason).toMatch(/^relation secrets/);
    // A CTE's name is visible in subqueries of the main query, not outside its statement.
    expect(accepted(guardSql('WITH x AS (SELECT 1) SELECT * FROM projects WHERE EXISTS (SELECT * FROM x)', { dialect: 'workspace', allowedRelations: WORKSPACE })).relations).toEqual(['projects']);
    expect(refused(guardSql('SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) a, x', { dialect: 'workspace', allowedRelations: WORKSPACE })).code).toBe('relation_not_allowed');
    expect(refused(guardSql('WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', { dialect: 'mariadb', allowedRelations: ['t'] })).reason).toMatch(/^relation b is not a table/);
  });

  it('enforces an allow list on postgres and mysql when one is given', () => {
    expect(accepted(guardSql('SELECT * FROM shop.orders', { dialect: 'postgres', allowedRelations: ['shop.orders'] })).relations).toEqual(['shop.orders']);
    expect(refused(guardSql('SELECT * FROM orders', { dialect: 'postgres', allowedRelations: ['shop.orders'] })).code).toBe('relation_not_allowed');
    expect(refused(guardSql('SELECT * FROM other', { dialect: 'mysql', allowedRelations: ['orders'] })).code).toBe('relation_not_allowed');
  });
});

describe('misuse by the caller', () => {
  it('requires an allow list for the workspace and duckdb', () => {
    expect(() => guardSql('SELECT 1', { dialect: 'workspace' })).toThrow(TypeError);
    expect(() => guardSql('SELECT 1', { dialect: 'duckdb' })).toThrow(TypeError);
  });

  it('refuses input over 100 KB before parsing it, counted in bytes', () => {
    const sql = `SELECT '${'é'.repeat(50_001)}'`;
    expect(refused(guardSql(sql, { dialect: 'postgres' })).code).toBe('too_long');
    expect(accepted(guardSql(`SELECT '${'a'.repeat(90_000)}'`, { dialect: 'postgres' })).ok).toBe(true);
  });
});
