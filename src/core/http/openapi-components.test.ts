import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { namedComponents } from './openapi-components.ts';
import { pageOf } from './pagination.ts';
import { named, OneOfKinds } from './schema-types.ts';

/** A document with one operation answering `schema`, as @fastify/swagger builds it. */
const documentOf = (schema: object, extra: Record<string, unknown> = {}) => ({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: { schemas: { Problem: { type: 'object', properties: { code: { type: 'string' } } } } },
  paths: { '/things': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } } } },
  ...extra,
});
const json = (value: unknown) => JSON.parse(JSON.stringify(value));
const answer = (doc: any) => doc.paths['/things'].get.responses['200'].content['application/json'].schema;

const Thing = named('Thing', Type.Object({ id: Type.String(), size: Type.Integer() }, { description: 'A thing' }));

describe('named', () => {
  it('marks a copy, keeps TypeBox kind, and takes PascalCase names only', () => {
    const plain = Type.Object({ id: Type.String() });
    const marked = named('Plain', plain);
    expect(marked).toMatchObject({ ...plain, 'x-component': 'Plain' });
    expect(plain).not.toHaveProperty('x-component');
    expect(Type.IsObject(marked)).toBe(true);
    expect(() => named('time_entry', plain)).toThrow(/PascalCase/);
  });
});

describe('namedComponents', () => {
  it('replaces a named schema by a $ref and moves it, without its marker, to components', () => {
    const doc = namedComponents(json(documentOf(Type.Object({ one: Thing, many: Type.Array(Thing) }))));
    expect(answer(doc).properties).toEqual({
      one: { $ref: '#/components/schemas/Thing' },
      many: { type: 'array', items: { $ref: '#/components/schemas/Thing' } },
    });
    expect(doc.components.schemas.Thing).toEqual({ type: 'object', required: ['id', 'size'], properties: { id: { type: 'string' }, size: { type: 'integer' } }, description: 'A thing' });
    expect(JSON.stringify(doc)).not.toContain('x-component');
    // The document's own schemas stay, in name order with the new ones.
    expect(Object.keys(doc.components.schemas)).toEqual(['Problem', 'Thing']);
  });

  it('names nested shapes inside a moved one, and pages after their item', () => {
    const doc = namedComponents(json(documentOf(pageOf(Thing))));
    expect(answer(doc)).toEqual({ $ref: '#/components/schemas/ThingPage' });
    expect(doc.components.schemas.ThingPage.properties).toEqual({
      data: { type: 'array', items: { $ref: '#/components/schemas/Thing' } },
      page: { $ref: '#/components/schemas/PageInfo' },
    });
    expect(doc.components.schemas.PageInfo.properties).toHaveProperty('nextCursor');
  });

  it('keeps a description a use site gave a named schema beside its $ref', () => {
    const doc = namedComponents(json(documentOf(Type.Object({ plain: Thing, own: { ...Thing, description: 'The biggest thing' } }))));
    expect(answer(doc).properties).toEqual({
      plain: { $ref: '#/components/schemas/Thing' },
      own: { $ref: '#/components/schemas/Thing', description: 'The biggest thing' },
    });
    expect(doc.components.schemas.Thing.description).toBe('A thing');
  });

  it('shows an object of kinds as anyOf its kinds', () => {
    const A = named('KindA', Type.Object({ a: Type.String() }));
    const B = named('KindB', Type.Object({ b: Type.Integer() }));
    const doc = namedComponents(json(documentOf(Type.Object({ data: OneOfKinds([A, B], 'One per type') }))));
    expect(answer(doc).properties.data).toEqual({
      type: 'object',
      description: 'One per type',
      anyOf: [{ $ref: '#/components/schemas/KindA' }, { $ref: '#/components/schemas/KindB' }],
    });
  });

  it('throws when two different schemas carry one name', () => {
    const Other = named('Thing', Type.Object({ id: Type.String() }));
    expect(() => namedComponents(json(documentOf(Type.Object({ a: Thing, b: Other }))))).toThrow(/two different schemas are named "Thing"/);
    // …and when a name is already a schema of the document.
    const Problem = named('Problem', Type.Object({ other: Type.Boolean() }));
    expect(() => namedComponents(json(documentOf(Problem)))).toThrow(/named "Problem"/);
  });

  it('leaves a document without names as it is, and never changes its input', () => {
    const plain = json(documentOf(Type.Object({ id: Type.String() }), { tags: [{ name: 'x' }] }));
    const copy = json(plain);
    expect(namedComponents(plain)).toBe(plain);
    expect(plain).toEqual(copy);
    const marked = json(documentOf(Thing));
    const before = json(marked);
    namedComponents(marked);
    expect(marked).toEqual(before);
  });

  it('reads keys of name maps as names: a response called `default` and a property called `example` are walked', () => {
    const doc = documentOf(Type.Object({ example: Thing }));
    (doc.paths['/things'].get.responses as any).default = { description: 'other', content: { 'application/json': { schema: json(Thing) } } };
    const out = namedComponents(json(doc));
    expect(answer(out).properties.example).toEqual({ $ref: '#/components/schemas/Thing' });
    expect(out.paths['/things'].get.responses.default.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Thing' });
    // Data is not walked: an example that looks like a marked schema stays as it is.
    const example = namedComponents(json(documentOf({ type: 'object', examples: [{ 'x-component': 'Thing' }] })));
    expect(answer(example).examples).toEqual([{ 'x-component': 'Thing' }]);
  });
});
