// The drift check (test/contract.ts) can fail: a small app whose routes answer what their
// document does not declare makes checked requests throw, naming method, path, status and why.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedInject, ContractChecker } from './contract.ts';

let app: FastifyInstance;
let request: ReturnType<typeof checkedInject>;

beforeAll(async () => {
  app = Fastify();
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' }, servers: [{ url: '/api/v1' }] } });
  const Thing = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, count: { type: 'integer' } } };
  // Declares an integer `count`; the serializer is bypassed (a string body), as a handler that
  // sends text or a schema that drifted from the handler would.
  app.get('/api/v1/things/:id', { schema: { response: { 200: Thing } } }, async (req, reply) =>
    reply.type('application/json').send(JSON.stringify({ id: (req.params as { id: string }).id, count: 'many' })),
  );
  app.get('/api/v1/things', { schema: { response: { 200: { type: 'array', items: Thing } } } }, async () => [{ id: 'a', count: 1 }]);
  // Declares 200 only, answers 409.
  app.post('/api/v1/things', { schema: { response: { 200: Thing } } }, async (_req, reply) => reply.code(409 as 200).send({ id: 'TAKEN' }));
  // Declares JSON, answers CSV.
  app.get('/api/v1/things.csv', { schema: { response: { 200: Thing } } }, async (_req, reply) => reply.type('text/csv').send('id\na\n'));
  // Declares 202 without a body, answers one.
  app.delete('/api/v1/things/:id', { schema: { response: { 202: { type: 'null', description: 'Accepted' } } } }, async (_req, reply) =>
    reply.code(202).type('application/json').send('{}'),
  );
  await app.ready();
  request = checkedInject(app.inject.bind(app) as never, () => app.swagger());
});
afterAll(async () => app?.close());

describe('the contract check', () => {
  it('passes an answer that matches, and a 404 of a URL no route matches', async () => {
    expect((await request({ method: 'GET', url: '/api/v1/things' })).statusCode).toBe(200);
    expect((await request({ method: 'GET', url: '/api/v1/nothing/here' })).statusCode).toBe(404);
  });

  it('fails a body that does not match the declared schema, with the Ajv error', async () => {
    await expect(request({ method: 'GET', url: '/api/v1/things/x1?token=secret' })).rejects.toThrow(
      /GET \/api\/v1\/things\/x1 → 200\n.*body\/count must be integer/,
    );
    // The query (it may carry a token) is not quoted.
    await expect(request({ method: 'GET', url: '/api/v1/things/x1?token=secret' })).rejects.not.toThrow(/secret/);
  });

  it('fails a status the operation does not declare', async () => {
    await expect(request({ method: 'POST', url: '/api/v1/things', payload: {} })).rejects.toThrow(/POST \/api\/v1\/things → 409\n.*status 409 is not declared/);
  });

  it('fails a media type the status does not declare', async () => {
    await expect(request({ method: 'GET', url: '/api/v1/things.csv' })).rejects.toThrow(/Content-Type text\/csv is not declared \(declared application\/json\)/);
  });

  it('fails a body where the status declares none', async () => {
    await expect(request({ method: 'DELETE', url: '/api/v1/things/x1' })).rejects.toThrow(/DELETE \/api\/v1\/things\/x1 → 202\n.*declares no body for 202, got 2 bytes of application\/json/);
  });

  it('matches a declared range and `default`, and prefers a static segment to a parameter', () => {
    const doc = {
      openapi: '3.1.0',
      servers: [{ url: '/api/v1' }],
      paths: {
        '/a/{id}': { get: { operationId: 'getA', responses: { '4XX': { description: 'x', content: { 'application/problem+json': { schema: { type: 'object' } } } } } } },
        '/a/mine': { get: { operationId: 'getMine', responses: { default: { description: 'x' } } } },
      },
    };
    const checker = new ContractChecker(doc);
    const answer = { method: 'GET', contentType: 'application/problem+json; charset=utf-8', body: '{}' };
    expect(checker.check({ ...answer, url: '/api/v1/a/1', status: 409 })).toEqual([]);
    expect(checker.check({ ...answer, url: '/api/v1/a/1', status: 500 })[0]).toMatch(/status 500 is not declared by getA/);
    // `/a/mine` is its own operation (no body declared), not getA's `{id}`.
    expect(checker.check({ ...answer, url: '/api/v1/a/mine', status: 500, body: '' })).toEqual([]);
    expect(checker.check({ ...answer, url: '/api/v1/a/mine', status: 200 })[0]).toMatch(/getMine declares no body/);
  });

  it('matches any media type to `*/*` (a stored file), and `image/*` only to images', () => {
    const binary = { schema: { type: 'string', format: 'binary' } };
    const doc = {
      openapi: '3.1.0',
      servers: [{ url: '/api/v1' }],
      paths: {
        '/file': { get: { operationId: 'getFile', responses: { '200': { description: 'x', content: { '*/*': binary } } } } },
        '/image': { get: { operationId: 'getImage', responses: { '200': { description: 'x', content: { 'image/*': binary } } } } },
      },
    };
    const checker = new ContractChecker(doc);
    const answer = { method: 'GET', status: 200, body: 'bytes' };
    for (const contentType of ['text/csv; charset=utf-8', 'application/zip', 'image/png']) {
      expect(checker.check({ ...answer, url: '/api/v1/file', contentType })).toEqual([]);
    }
    expect(checker.check({ ...answer, url: '/api/v1/image', contentType: 'image/png' })).toEqual([]);
    expect(checker.check({ ...answer, url: '/api/v1/image', contentType: 'text/html' })[0]).toMatch(/Content-Type text\/html is not declared/);
  });
});
