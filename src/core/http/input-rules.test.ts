import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { guardStrings } from './input-rules.ts';
import { CalendarDate, DateOrTimestamp, Line, Nullable, Opaque, Text, Timestamp, Uuid, WeekOrMonth } from './schema-types.ts';
import { createValidatorCompiler } from './validation.ts';

const compile = createValidatorCompiler();
/** A validator as Fastify builds it for a body (types kept) or a query string (coerced). */
const validator = (schema: object, httpPart = 'body') => compile({ schema, httpPart, url: '/x', method: 'POST' } as never) as ((data: unknown) => boolean) & { errors: any[] | null };
const check = (schema: object, value: unknown, httpPart = 'body') => {
  const v = validator(Type.Object({ f: schema as never }), httpPart);
  const ok = v({ f: value });
  return ok ? 'ok' : v.errors!.map((e) => e.message).join('; ');
};

const NUL = 'a\u0000b';
const LONE_HIGH = 'a\uD800b';
const LONE_LOW = 'a\uDC00b';
const PAIR = 'a\uD83D\uDE00b'; // 😀: a surrogate pair is fine

describe('characters', () => {
  it('a line refuses every control character, line separators and unpaired surrogates', () => {
    const line = Line(100);
    for (const bad of [NUL, 'a\nb', 'a\rb', 'a\tb', 'a\u007Fb', 'a\u0085b', 'a\u2028b', LONE_HIGH, LONE_LOW]) {
      expect(check(line, bad), JSON.stringify(bad)).toBe('must be a single line without control characters');
    }
    expect(check(line, PAIR)).toBe('ok');
    expect(check(line, 'Zoë’s café – 東京')).toBe('ok');
    expect(check(line, '   ')).toMatch(/must match pattern/);
  });

  it('a text allows tabs and line breaks, nothing else of C0/C1', () => {
    const text = Text(100);
    for (const ok of ['a\nb', 'a\r\nb', 'a\tb', PAIR, '']) expect(check(text, ok), JSON.stringify(ok)).toBe('ok');
    for (const bad of [NUL, 'a\u0007b', 'a\u001Bb', 'a\u0085b', LONE_HIGH, LONE_LOW]) {
      expect(check(text, bad), JSON.stringify(bad)).toBe('must not contain control characters other than tabs and line breaks');
    }
  });

  it('an opaque string refuses only U+0000 and unpaired surrogates', () => {
    for (const ok of ['a\tb', 'a\u0001b', PAIR]) expect(check(Opaque(100), ok)).toBe('ok');
    for (const bad of [NUL, LONE_HIGH]) expect(check(Opaque(100), bad)).toMatch(/must not contain control characters/);
  });

  it('the net guards a plain string of any schema, in bodies and query strings, nested anywhere', () => {
    const plain = Type.Object({
      a: Type.String(),
      list: Type.Array(Type.String()),
      deep: Type.Optional(Type.Object({ b: Type.Union([Type.String(), Type.Null()]) })),
      map: Type.Optional(Type.Record(Type.String(), Type.String())),
    });
    const body = validator(plain);
    expect(body({ a: 'x', list: ['y'], deep: { b: null }, map: { k: 'v' } })).toBe(true);
    for (const bad of [{ a: NUL, list: [] }, { a: 'x', list: ['ok', LONE_HIGH] }, { a: 'x', list: [], deep: { b: LONE_LOW } }, { a: 'x', list: [], map: { k: NUL } }, { a: 'x', list: [], map: { [`k${NUL}`]: 'v' } }]) {
      expect(body(bad), JSON.stringify(bad)).toBe(false);
    }
    const query = validator(Type.Object({ q: Type.Optional(Type.String()) }), 'querystring');
    expect(query({ q: NUL })).toBe(false);
    expect(query.errors![0]).toMatchObject({ instancePath: '/q', message: 'must not contain control characters (U+0000) or unpaired surrogates' });
  });

  it('leaves enumerations, ASCII formats and the route’s own schema alone', () => {
    const schema = Type.Object({ e: Type.Union([Type.Literal('a'), Type.Literal('b')]), id: Uuid(), s: Type.String() });
    const copy = guardStrings(schema) as any;
    expect(copy.properties.s['x-text']).toBe('any');
    expect(copy.properties.id['x-text']).toBeUndefined();
    expect(JSON.stringify(copy.properties.e)).not.toContain('x-text');
    expect((schema.properties.s as any)['x-text']).toBeUndefined();
    expect(guardStrings(schema)).toBe(copy);
  });
});

describe('time formats', () => {
  it('timestamps are RFC 3339 with an offset, real, and inside years 1–9999', () => {
    const ts = Timestamp();
    for (const ok of ['2026-11-02T09:30:00Z', '2026-11-02t09:30:00.123456789z', '2024-02-29T00:00:00+14:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      expect(check(ts, ok), ok).toBe('ok');
    }
    for (const bad of [
      '2026-02-30T10:00:00Z', // no such day
      '2025-02-29T10:00:00Z', // not a leap year
      '0000-01-01T00:00:00Z', // no year 0
      '0001-01-01T00:00:00+01:00', // the instant is in year 0
      '9999-12-31T23:30:00-01:00', // the instant is in year 10000
      '2026-01-01T24:00:00Z',
      '2016-12-31T23:59:60Z', // a leap second Date cannot hold
      '2026-01-01T10:00:00', // no offset
      '2026-01-01T10:00Z', // no seconds
      '2026-01-01 10:00:00Z',
      '2026-01-01T10:00:00+0100',
      '2026-01-01T10:00:00+24:00',
      '+010000-01-01T00:00:00Z',
    ]) {
      expect(check(ts, bad), bad).toBe('must match format "date-time"');
    }
  });

  it('a domain narrows the years', () => {
    const work = Timestamp({ years: { min: 1970, max: 2999 } });
    expect(check(work, '2026-11-02T09:30:00Z')).toBe('ok');
    expect(check(work, '9999-12-31T23:30:00Z')).toBe('must be in the years 1970–2999');
    expect(check(work, '1969-12-31T23:59:59Z')).toBe('must be in the years 1970–2999');
    expect(check(CalendarDate({ years: { min: 1970, max: 2999 } }), '3000-01-01')).toBe('must be in the years 1970–2999');
  });

  it('dates, bounds, weeks and months are real', () => {
    expect(check(CalendarDate(), '2024-02-29')).toBe('ok');
    for (const bad of ['2026-02-30', '0000-01-01', '2026-13-01', '2026-1-01', '10000-01-01']) expect(check(CalendarDate(), bad), bad).not.toBe('ok');
    for (const ok of ['2026-11-02', '2026-11-02T10:00', '2026-11-02T10:00:00', '2026-11-02T10:00:00+01:00']) expect(check(DateOrTimestamp(), ok), ok).toBe('ok');
    for (const bad of ['2026-02-30', '2026-02-30T10:00', '2026-11-02T25:00', 'tomorrow']) expect(check(DateOrTimestamp(), bad), bad).not.toBe('ok');
    // 2026 has 53 ISO weeks, 2025 has 52.
    for (const ok of ['2026-W01', '2026-W53', '2025-W52', '2026-01', '2026-12']) expect(check(WeekOrMonth(), ok), ok).toBe('ok');
    for (const bad of ['0000-W01', '2026-W00', '2026-W54', '2025-W53', '2026-00', '2026-13', '0000-01', '2026-W1']) {
      expect(check(WeekOrMonth(), bad), bad).not.toBe('ok');
    }
  });
});

describe('Nullable', () => {
  it('makes a scalar a type list, and anything else an anyOf', () => {
    expect(Nullable(Timestamp())).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    expect(Nullable(Type.Literal('a'))).toHaveProperty('anyOf');
    expect(Nullable(Type.Object({}))).toHaveProperty('anyOf');
    expect(check(Nullable(Line(10)), null)).toBe('ok');
    expect(check(Nullable(Line(10)), 'a\nb')).toBe('must be a single line without control characters');
  });
});
