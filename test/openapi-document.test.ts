// The published document as the tools that consume it read it (issue #19, decision 0028):
// swagger-parser validates it as OpenAPI 3.1, Redocly's `recommended` rules and Spectral's
// `spectral:oas` lint it. None reports an error or a warning: a finding here is a finding for
// every client generator, gateway and contract tester that reads /openapi.json. Then the
// conventions of decision 0028 that no linter checks: operation ids, tags, named schemas.
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signUp, type TestApp } from './harness.ts';
import { inlineShapes, shapeOf, untypedSchemas } from './openapi-schemas.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, as `METHOD /path` with the operation object. */
function operations(spec: any): { name: string; op: any }[] {
  return Object.entries<Record<string, any>>(spec.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** Every webhook of the document (the requests sent to receivers), as `WEBHOOK type`. */
const webhookOperations = (spec: any): { name: string; op: any }[] =>
  Object.entries<Record<string, any>>(spec.webhooks ?? {}).map(([type, item]) => ({ name: `WEBHOOK ${type}`, op: item.post }));

// CommonJS packages: their named exports are not visible to an ES import.
const { Document, Spectral } = spectralCore;
const { Json } = spectralParsers;
const { oas } = spectralRulesets;

/**
 * A problem response's schema: one code's schema (`Problem` with its code as a constant), or
 * `oneOf` several, each a named component built on `Problem`.
 */
function isProblemSchema(spec: any, schema: any): boolean {
  const codes = schema?.oneOf ?? [schema];
  return codes.every((ref: any) => {
    const name = typeof ref?.$ref === 'string' ? ref.$ref.split('/').pop() : undefined;
    const component = name ? spec.components.schemas[name] : undefined;
    return (
      /Problem$/.test(name ?? '') &&
      component?.allOf?.[0]?.$ref === '#/components/schemas/Problem' &&
      typeof component.allOf[1]?.properties?.code?.const === 'string' &&
      component.allOf[1].required.includes('code')
    );
  });
}

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
    const found = problems
      // The probes take no input, need no credentials and count against no limit: they answer
      // no 4xx, and a catch-all `4XX` to please the rule would be a false promise to clients.
      .filter((p) => !(p.ruleId === 'operation-4xx-response' && /^#\/paths\/~1health~1(live|ready)\//.test(p.location[0]?.pointer ?? '')))
      .map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
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
    const spec = JSON.parse(text);
    const ops = [...operations(spec), ...webhookOperations(spec)];
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
    const spec = JSON.parse(text);
    const ids = [...operations(spec), ...webhookOperations(spec)]
      .map(({ name, op }) => `${op.operationId} ${name}`)
      .sort()
      .join('\n');
    await expect(`${ids}\n`).toMatchFileSnapshot('./__snapshots__/operation-ids.txt');
  });

  it('tags every operation with one tag declared at the top level, with a description', () => {
    const spec = JSON.parse(text);
    const declared = new Map<string, string>(spec.tags.map((t: { name: string; description: string }) => [t.name, t.description]));
    const all = [...operations(spec), ...webhookOperations(spec)];
    const bad = all
      .filter(({ op }) => op.tags?.length !== 1 || !declared.has(op.tags[0]))
      .map(({ name, op }) => `${name}: ${JSON.stringify(op.tags)}`);
    expect(bad).toEqual([]);
    for (const [name, description] of declared) expect(description, name).toMatch(/\S/);
    const used = new Set(all.map(({ op }) => op.tags[0]));
    expect([...declared.keys()].filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('/openapi.json defaults (decision 0028)', () => {
  /** Every `required` name whose property has a default, in a request schema at any depth. */
  function requiredWithDefault(node: any, where: string, out: string[]) {
    if (!node || typeof node !== 'object') return;
    if (node.properties && Array.isArray(node.required)) {
      for (const name of node.required) if (node.properties[name]?.default !== undefined) out.push(`${where}/${name}`);
    }
    for (const [key, value] of Object.entries(node)) requiredWithDefault(value, `${where}/${key}`, out);
  }

  it('marks no parameter or request field that has a default as required', () => {
    const found: string[] = [];
    for (const { name, op } of operations(JSON.parse(text))) {
      for (const p of op.parameters ?? []) if (p.required && p.schema?.default !== undefined) found.push(`${name} ${p.in}.${p.name}`);
      requiredWithDefault(op.requestBody, `${name} body`, found);
    }
    expect(found).toEqual([]);
  });

  it('shows what the server defaults as optional with its default', () => {
    const spec = JSON.parse(text);
    const param = (path: string, name: string) => spec.paths[path].get.parameters.find((p: any) => p.name === name);
    // Every cursor-paginated list takes an optional limit of 20.
    const lists = operations(spec).filter(({ op }) => op.parameters?.some((p: any) => p.name === 'cursor'));
    expect(lists.length).toBeGreaterThanOrEqual(16);
    for (const { name, op } of lists) {
      expect(op.parameters.find((p: any) => p.name === 'limit'), name).toMatchObject({ required: false, schema: { default: 20 } });
    }
    expect(param('/orgs/{orgId}/projects', 'sort')).toMatchObject({ required: false, schema: { default: 'created' } });
    expect(param('/orgs/{orgId}/projects', 'includeDeleted')).toMatchObject({ required: false, schema: { default: false } });
    expect(param('/orgs/{orgId}/reports/time', 'groupBy')).toMatchObject({ required: false, schema: { default: 'project' } });
    expect(param('/orgs/{orgId}/reports/time', 'format')).toMatchObject({ required: false, schema: { default: 'json' } });
    const body = (path: string) => spec.paths[path].post.requestBody.content['application/json'].schema;
    expect(body('/orgs/{orgId}/webhooks').properties.enabled.default).toBe(true);
    expect(body('/orgs/{orgId}/webhooks').required).not.toContain('enabled');
    expect(body('/orgs/{orgId}/reports/time/files').required ?? []).not.toContain('groupBy');
    expect(body('/orgs').properties).toMatchObject({ timezone: { default: 'UTC' }, currency: { default: 'EUR' } });
    expect(body('/orgs/{orgId}/projects/{projectId}/tasks').properties.status.default).toBe('todo');
  });
});

describe('defaults, as a client that omits them sees them', () => {
  it('lists time entries without limit, creates an org without time zone or currency, a task without status', async () => {
    const user = await signUp(t);
    const auth = bearer(user.accessToken);
    const org = await t.request({ method: 'POST', url: '/api/v1/orgs', headers: auth, payload: { name: 'Defaults', slug: `defaults-${Date.now()}` } });
    expect(org.statusCode, org.body).toBe(201);
    expect(org.json()).toMatchObject({ timezone: 'UTC', currency: 'EUR' });
    const orgId = org.json().id;
    const entries = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/time-entries`, headers: auth });
    expect(entries.statusCode, entries.body).toBe(200);
    expect(entries.json().page.limit).toBe(20);
    const project = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects`, headers: auth, payload: { name: 'Defaults', key: 'DEF' } });
    expect(project.statusCode, project.body).toBe(201);
    const task = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects/${project.json().id}/tasks`, headers: auth, payload: { name: 'First' } });
    expect(task.statusCode, task.body).toBe(201);
    expect(task.json().status).toBe('todo');
  });
});

describe('/openapi.json problems and headers (decision 0028)', () => {
  const resolve = (spec: any, node: any) => (node?.$ref ? node.$ref.split('/').slice(1).reduce((n: any, k: string) => n[k], spec) : node);

  it('declares every error as application/problem+json with the Problem schema', () => {
    const spec = JSON.parse(text);
    const bad: string[] = [];
    for (const { name, op } of operations(spec)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        const content = resolve(spec, response).content ?? {};
        // The probe's own 503 is its readiness report, in JSON.
        if (name === 'GET /health/ready' && status === '503') continue;
        if (Object.keys(content).join() !== 'application/problem+json' || !isProblemSchema(spec, content['application/problem+json'].schema)) {
          bad.push(`${name} ${status}: ${Object.keys(content).join()}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(spec.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'requestId']));
  });

  it('declares the statuses each kind of route answers', () => {
    const spec = JSON.parse(text);
    const has = (method: string, path: string) => Object.keys(spec.paths[path][method].responses);
    // Authenticated, with a body, path parameters and a rate limit.
    expect(has('post', '/orgs/{orgId}/time-entries')).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503']));
    // Public, with a body: no 401 or 403 of core's.
    expect(has('post', '/auth/register')).toEqual(expect.arrayContaining(['201', '400', '413', '415', '429']));
    expect(has('post', '/auth/register')).not.toContain('401');
    expect(has('post', '/auth/register')).not.toContain('403');
    // A public route's 401 is its own code, never core's UNAUTHENTICATED (no credentials are asked).
    const loginRefusal = spec.paths['/auth/login'].post.responses['401'].content['application/problem+json'].schema;
    expect(loginRefusal).toEqual({ $ref: '#/components/schemas/AuthInvalidCredentialsProblem' });
    // Authenticated, without input: no 400, 404, 413 or 415.
    expect(has('get', '/users/me').sort()).toEqual(['200', '401', '403', '429', '500', '503']);
    // The probes are not rate limited.
    expect(has('get', '/health/live')).not.toContain('429');
    const noResource: string[] = [];
    for (const { name, op } of operations(spec)) {
      const security = (op.security ?? []).filter((s: object) => Object.keys(s).length > 0);
      if (security.length) expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['401', '403']));
      if (op.requestBody) expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['400', '413', '415']));
      // A path that names a resource can name one that is not there (or not the caller's).
      if ((op.parameters ?? []).some((p: any) => p.in === 'path')) noResource.push(...(op.responses['404'] ? [] : [name]));
    }
    expect(noResource).toEqual([]);
  });

  it('declares the headers the server sends', () => {
    const spec = JSON.parse(text);
    for (const { name, op } of operations(spec)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(resolve(spec, response).headers, `${name} ${status}`).toHaveProperty(['X-Request-Id']);
      }
      const limited = Boolean(op.responses['429']);
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (status.startsWith('2') && limited) expect(Object.keys(response.headers), `${name} ${status}`).toEqual(expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']));
      }
    }
    expect(Object.keys(spec.components.responses.TooManyRequests.headers)).toEqual(expect.arrayContaining(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']));
    expect(spec.paths['/orgs/{orgId}/reports/time/files'].post.responses['202'].headers.Location).toMatchObject({ schema: { type: 'string' } });
  });

  it('sends what it declares: X-Request-Id and RateLimit-* on an answer, problem+json on a refusal', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/users/me' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['ratelimit-limit']).toBeTruthy();
    expect(res.headers['ratelimit-remaining']).toBeDefined();
    expect(res.headers['ratelimit-reset']).toBeDefined();
  });
});

describe('/openapi.json named schemas (decision 0028)', () => {
  /** What a client imports: every resource, every page, the shapes inside them. */
  const NAMED = [
    ...['User', 'UserProfile', 'UserPage', 'Account', 'Registration', 'TokenPair', 'MfaChallenge', 'LoginResult', 'Accepted'],
    ...['Session', 'SessionList', 'ApiKey', 'ApiKeyList', 'CreatedApiKey', 'TrustedDevice', 'TrustedDeviceList', 'TotpSetup', 'RecoveryCodes'],
    ...['Organization', 'OrganizationPage', 'OrganizationMember', 'OrganizationMemberPage', 'Invitation', 'InvitationPage'],
    ...['Project', 'ProjectPage', 'ProjectMember', 'ProjectMemberList', 'Task', 'TaskPage', 'ProjectTemplate', 'ProjectTemplatePage', 'ProjectTemplateSettings'],
    ...['TimeEntry', 'TimeEntryPage', 'TimerStart', 'TimeSettings', 'MemberRate', 'MemberRateList', 'RoundingRule', 'RoundingRuleList', 'Timesheet', 'TimesheetPage'],
    ...['TimeReport', 'TimeReportRow', 'TimeReportTotals', 'TimeReportPeriod', 'MoneyAmount', 'ProjectBudget', 'AcceptedJob', 'ReportFile'],
    ...['Job', 'AdminJob', 'AdminJobPage', 'JobResult', 'AuditEvent', 'AuditEventPage', 'OutboxEvent', 'OutboxEventPage'],
    ...['Notification', 'NotificationPage', 'NotificationData', 'NotificationPreferences', 'NotificationChannels', 'StreamTicket'],
    ...['WebhookEndpoint', 'WebhookEndpointPage', 'WebhookEndpointWithSecret', 'WebhookDelivery', 'WebhookDeliveryPage', 'WebhookDeliveryAttempt'],
    ...['Liveness', 'Readiness', 'ReadinessCheck', 'PageInfo', 'Problem'],
  ];
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  it('names every resource and page shape', () => {
    const spec = JSON.parse(text);
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(NAMED));
    // A page is named after its item, and shares the page info.
    for (const name of Object.keys(spec.components.schemas).filter((n) => n.endsWith('Page'))) {
      const page = spec.components.schemas[name];
      expect(page.properties.data.items, name).toEqual(ref(name.slice(0, -'Page'.length)));
      expect(page.properties.page, name).toEqual(ref('PageInfo'));
    }
  });

  it('answers every JSON response with a named schema', () => {
    const spec = JSON.parse(text);
    const inline: string[] = [];
    // A status with several problem codes answers one of their schemas, each named.
    const named = (schema: any) => Boolean(schema.$ref) || (Array.isArray(schema.oneOf) && schema.oneOf.every((s: any) => s.$ref));
    for (const { name, op } of operations(spec)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        for (const [type, media] of Object.entries<any>(response.content ?? {})) {
          if (/json/.test(type) && !named(media.schema)) inline.push(`${name} ${status} ${type}`);
        }
      }
    }
    expect(inline).toEqual([]);
  });

  it('writes no named shape out again, and no large shape twice without a name', () => {
    const spec = JSON.parse(text);
    const shapes = inlineShapes(spec);
    const copies: string[] = [];
    for (const [name, schema] of Object.entries<any>(spec.components.schemas)) {
      const shape = shapeOf(schema);
      for (const at of (shape && shapes.get(shape)) || []) copies.push(`${at} repeats ${name}`);
    }
    expect(copies).toEqual([]);
    const repeated = [...shapes].filter(([shape, where]) => shape.split(',').length > 3 && where.length > 1).map(([shape, where]) => `${shape}: ${where.join(', ')}`);
    expect(repeated).toEqual([]);
  });

  it('leaves no value untyped: every schema has a type, a reference, a union or a constant, and open objects say what they hold', () => {
    expect(untypedSchemas(JSON.parse(text))).toEqual([]);
  });

  it('types job results, notification data and event payloads per kind', () => {
    const { schemas } = JSON.parse(text).components;
    const kinds = (name: string) => schemas[name].anyOf.map((k: { $ref: string }) => k.$ref.split('/').pop());
    // One result shape per registered job, each naming its job.
    const results = kinds('JobResult');
    expect(results).toEqual(expect.arrayContaining(['ReportFile', 'JobPurgeResult', 'WebhookDeliveryResult', 'NotificationDeliveryResult', 'AuditPurgeResult']));
    for (const result of results) expect(schemas[result].description, result).toMatch(/^The result of an? `[a-z_]+\.[a-z_]+` job/);
    expect(schemas.Job.properties.result.anyOf).toEqual([ref('JobResult'), { type: 'null' }]);
    // One data shape per notification type, each naming its type.
    const types: string[] = schemas.Notification.properties.type.enum;
    const data = kinds('NotificationData');
    expect(data).toHaveLength(types.length);
    const named = data.map((d: string) => /of type `([a-z_]+)`/.exec(schemas[d].description)?.[1]);
    expect(named.sort()).toEqual([...types].sort());
    // Event payloads are open by nature (every module's events, every version kept): documented.
    for (const name of ['AuditEvent', 'OutboxEvent']) {
      expect(schemas[name].properties.payload, name).toMatchObject({ type: 'object', additionalProperties: true, description: expect.stringMatching(/per `type`/) });
    }
  });
});

describe('the schema checks, on documents that break them', () => {
  const doc = (schema: object) => ({ openapi: '3.1.0', paths: { '/x': { get: { responses: { '200': { content: { 'application/json': { schema } } } } } } } });

  it('finds untyped values: an empty schema, a description alone, an untyped map, an open object without words', () => {
    const found = untypedSchemas(
      doc({
        type: 'object',
        properties: {
          anything: {},
          said: { description: 'something' },
          map: { type: 'object', additionalProperties: {} },
          open: { type: 'object', additionalProperties: true },
          fine: { type: 'object', additionalProperties: true, description: 'Keys per kind: …' },
          ref: { $ref: '#/components/schemas/X' },
          constant: { const: 1 },
          nullable: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
      }),
    );
    expect(found.map((f) => f.split(':')[0])).toEqual([
      'GET /x 200 application/json/properties/anything',
      'GET /x 200 application/json/properties/said',
      'GET /x 200 application/json/properties/map',
      'GET /x 200 application/json/properties/map/additionalProperties',
      'GET /x 200 application/json/properties/open',
    ]);
  });

  it('finds a shape written out inline', () => {
    const shape = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };
    const shapes = inlineShapes({ ...doc({ type: 'array', items: shape }), components: { schemas: { Named: shape } } });
    expect(shapes.get('a,b')).toEqual(['GET /x 200 application/json/items']);
  });
});
