// The published document as the tools that consume it read it (issue #19, decision 0028):
// swagger-parser validates it as OpenAPI 3.1, Redocly's `recommended` rules and Spectral's
// `spectral:oas` lint it. None reports an error or a warning: a finding here is a finding for
// every client generator, gateway and contract tester that reads /openapi.json. Then the
// conventions of decision 0028 that no linter checks: operation ids, tags.
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, as `METHOD /path` with the operation object. */
function operations(spec: any): { name: string; op: any }[] {
  return Object.entries<Record<string, any>>(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
}

// CommonJS packages: their named exports are not visible to an ES import.
const { Document, Spectral } = spectralCore;
const { Json } = spectralParsers;
const { oas } = spectralRulesets;

let t: TestApp;
let text: string;
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.request({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  text = res.body;
});
afterAll(async () => t?.close());

describe('/openapi.json read by third-party tools', () => {
  it('is valid OpenAPI 3.1 for swagger-parser', async () => {
    // validate() dereferences in place: it gets a copy. A rejection fails the test with its message.
    const api = await SwaggerParser.validate(JSON.parse(text));
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it("passes Redocly's recommended rules with no error or warning", async () => {
    // The built-in ruleset: no config file is read and nothing is fetched.
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: 'file:///openapi.json', config });
    const found = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(found).toEqual([]);
  });

  it("passes Spectral's spectral:oas with no error or warning", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(text, Json, '/openapi.json'));
    // Severity 0 is an error, 1 a warning, 2 info, 3 a hint.
    const found = results.filter((r) => r.severity <= 1).map((r) => `${r.severity} ${r.code}: ${r.message} at ${r.path.join('/')}`);
    expect(found).toEqual([]);
  });
});

describe('/openapi.json conventions (decision 0028)', () => {
  it('names every operation with a unique camelCase operationId, verb first', () => {
    const ops = operations(JSON.parse(text));
    const bad = ops.filter(({ op }) => typeof op.operationId !== 'string' || !/^[a-z][A-Za-z0-9]+$/.test(op.operationId)).map((o) => o.name);
    expect(bad).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { name, op } of ops) {
      const first = seen.get(op.operationId);
      if (first) duplicates.push(`${op.operationId}: ${first} and ${name}`);
      seen.set(op.operationId, name);
    }
    expect(duplicates).toEqual([]);
  });

  it('keeps operation ids stable: a rename is a breaking change for generated clients', async () => {
    // Client methods are named after these ids; the list changes only on purpose (update the
    // file with `vitest -u` and say so in the changelog).
    const ids = operations(JSON.parse(text))
      .map(({ name, op }) => `${op.operationId} ${name}`)
      .sort()
      .join('\n');
    await expect(`${ids}\n`).toMatchFileSnapshot('./__snapshots__/operation-ids.txt');
  });

  it('tags every operation with one tag declared at the top level, with a description', () => {
    const spec = JSON.parse(text);
    const declared = new Map<string, string>(spec.tags.map((t: { name: string; description: string }) => [t.name, t.description]));
    const bad = operations(spec)
      .filter(({ op }) => op.tags?.length !== 1 || !declared.has(op.tags[0]))
      .map(({ name, op }) => `${name}: ${JSON.stringify(op.tags)}`);
    expect(bad).toEqual([]);
    for (const [name, description] of declared) expect(description, name).toMatch(/\S/);
    const used = new Set(operations(spec).map(({ op }) => op.tags[0]));
    expect([...declared.keys()].filter((name) => !used.has(name))).toEqual([]);
  });
});
