// The published document as the tools that consume it read it (issue #19, decision 0028):
// swagger-parser validates it as OpenAPI 3.1, Redocly's `recommended` rules and Spectral's
// `spectral:oas` lint it. None reports an error: a finding here is a finding for every client
// generator, gateway and contract tester that reads /openapi.json.
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.ts';

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

  it("passes Redocly's recommended rules with no error", async () => {
    // The built-in ruleset: no config file is read and nothing is fetched.
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: 'file:///openapi.json', config });
    const found = problems.filter((p) => p.severity === 'error').map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(found).toEqual([]);
  });

  it("passes Spectral's spectral:oas with no error", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(text, Json, '/openapi.json'));
    // Severity 0 is an error, 1 a warning, 2 info, 3 a hint.
    const found = results.filter((r) => r.severity === 0).map((r) => `${r.severity} ${r.code}: ${r.message} at ${r.path.join('/')}`);
    expect(found).toEqual([]);
  });
});
