// Response serializers: the rewritten schemas write the same JSON, and building many routes'
// serializers no longer builds an Ajv instance for each (decision 0026).
import { Ajv } from 'ajv';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { type TSchema, Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { forSerialization } from './serializer-schema.ts';
import { createHttpServer, type HttpServer } from './server.ts';

/** A serializer the way Fastify builds one (fast-json-stringify), or with `debug` its generated code. */
const serializer = (schema: unknown, options: Record<string, unknown> = {}) => SerializerSelector()({}, options as never)({ schema } as never) as unknown;
const fastJsonStringify = (schema: unknown) => serializer(schema) as (data: unknown) => string;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Status = Type.Union([Type.Literal('todo'), Type.Literal('in_progress'), Type.Literal('done')]);

const Entry = Type.Object({
  id: Uuid,
  taskId: Nullable(Uuid),
  status: Status,
  review: Nullable(Type.Union([Type.Literal('approved'), Type.Literal('rejected')])),
  start: DateTime,
  end: Nullable(DateTime),
  seconds: Nullable(Type.Integer()),
  rate: Nullable(Type.Number()),
  billable: Nullable(Type.Boolean()),
  owner: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
  tags: Type.Array(Type.String()),
  note: Type.Optional(Nullable(Type.String())),
});
const Page = Type.Object({ data: Type.Array(Entry), page: Type.Object({ nextCursor: Nullable(Type.String()), limit: Type.Integer() }) });

const entry = (i: number) => ({
  id: '01a24a08-9808-704b-b4cf-a2bbc663feb0',
  taskId: i % 2 ? null : '01a24a08-9808-704b-b4cf-a2bbc663feb4',
  status: (['todo', 'in_progress', 'done'] as const)[i % 3],
  review: i % 3 === 0 ? null : 'approved',
  start: new Date(Date.UTC(2026, 10, 1, 8, i)),
  end: i % 4 ? null : '2026-11-01T09:00:00.000Z',
  seconds: i % 4 ? null : 3600 + i,
  rate: i % 2 ? 12.5 : null,
  billable: i % 5 ? true : null,
  owner: i % 2 ? null : { id: '01a24a08-9808-704b-b4cf-a2bbc663feb1', name: `Ada "${i}"`, secret: 'never' },
  tags: ['a', 'b\n'],
  ...(i % 3 ? { note: i % 2 ? null : 'n' } : {}),
  extra: 'dropped',
});

describe('forSerialization', () => {
  it('writes a nullable value as the value with nullable: true', () => {
    expect(forSerialization(Nullable(Uuid))).toEqual({ type: 'string', format: 'uuid', nullable: true });
    expect(forSerialization(Nullable(Type.Object({ a: Type.Integer() })))).toEqual({ type: 'object', required: ['a'], properties: { a: { type: 'integer' } }, nullable: true });
  });

  it('writes a union of literals of one type as that type, keeping the default', () => {
    expect(forSerialization(Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a', description: 'd' }))).toEqual({ type: 'string', default: 'a', description: 'd' });
    expect(forSerialization(Nullable(Type.Union([Type.Literal(1), Type.Literal(2)])))).toEqual({ type: 'number', nullable: true });
  });

  it('keeps unions whose JSON depends on the branch, and never changes the schema it is given', () => {
    const objects = Type.Union([Type.Object({ kind: Type.Literal('a'), x: Type.Integer() }), Type.Object({ kind: Type.Literal('b'), y: Type.String() })]);
    expect(forSerialization(objects)).toBe(objects);
    const mixed = Type.Union([Type.String(), Type.Integer()]);
    expect(forSerialization(mixed)).toBe(mixed);
    const before = JSON.stringify(Page);
    const rewritten = forSerialization(Page);
    expect(JSON.stringify(Page)).toBe(before);
    expect(JSON.stringify(rewritten)).not.toContain('anyOf');
    const plain = Type.Object({ a: Type.String(), b: Type.Array(Type.Integer()) });
    expect(forSerialization(plain)).toBe(plain);
  });

  it('gives fast-json-stringify a schema that writes the same JSON without validating branches', () => {
    const data = { data: Array.from({ length: 12 }, (_, i) => entry(i)), page: { nextCursor: null, limit: 12 } };
    const original = fastJsonStringify(Page);
    const rewritten = fastJsonStringify(forSerialization(Page));
    expect(rewritten(data)).toBe(original(data));
    expect(JSON.parse(rewritten(data)).data[0]).not.toHaveProperty('extra');
    const code = (schema: unknown) => (serializer(schema, { mode: 'debug' }) as { code: string }).code;
    expect(code(Page)).toContain('getSchemaValidator');
    expect(code(forSerialization(Page))).not.toContain('getSchemaValidator');
  });
});

describe('response serializers of many routes', () => {
  const ROUTES = 12;
  let app: HttpServer;
  /** Ajv instances fast-json-stringify builds for its branch checks (each registers `fjs_type`). */
  const serializerAjvs = new Set<Ajv>();
  const addKeyword = Ajv.prototype.addKeyword;

  beforeAll(async () => {
    Ajv.prototype.addKeyword = function (this: Ajv, ...args: Parameters<Ajv['addKeyword']>) {
      const def = args[0];
      if (typeof def === 'object' && def.keyword === 'fjs_type') serializerAjvs.add(this);
      return addKeyword.apply(this, args);
    };
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
    app = (await createHttpServer({ config, log: createLogger('silent'), metrics: createMetrics() })).app;
    for (let r = 0; r < ROUTES; r++) {
      app.get(`/entries/${r}`, { schema: { response: { 200: Page } } }, async () => ({ data: [entry(r), entry(r + 1)], page: { nextCursor: 'c', limit: 2 } }) as never);
    }
    await app.ready();
  });
  afterAll(async () => {
    Ajv.prototype.addKeyword = addKeyword;
    await app?.close();
  });

  it('answers every route with the filtered JSON and builds no Ajv instance for any of them', async () => {
    for (let r = 0; r < ROUTES; r++) {
      const res = await app.inject({ method: 'GET', url: `/entries/${r}` });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data).toHaveLength(2);
      expect(body.data[0]).not.toHaveProperty('extra');
      expect(body.data[r % 2 ? 0 : 1].owner).toBeNull();
    }
    expect(serializerAjvs.size).toBe(0);
  });
});
