import { describe, expect, it } from 'vitest';
import { extractApi, mayBeApi } from './openapi.ts';

const V3_JSON = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 'Pets', version: '1.2.0', description: 'Pets and owners.' },
  paths: {
    '/pets/{petId}': {
      parameters: [{ name: 'petId', in: 'path', required: true, description: 'The pet', schema: { type: 'string', format: 'uuid' } }],
      get: {
        operationId: 'getPet',
        summary: 'Get a pet',
        tags: ['pets'],
        parameters: [{ $ref: '#/components/parameters/Verbose' }],
        responses: { '200': { description: 'The pet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, '404': { $ref: '#/components/responses/NotFound' } },
      },
      put: {
        requestBody: { $ref: '#/components/requestBodies/PetBody' },
        parameters: [{ name: 'petId', in: 'path', required: true, description: 'Overridden', schema: { type: 'integer' } }],
        responses: { '204': { description: 'Saved' } },
      },
    },
    '/remote': { post: { requestBody: { content: { 'application/json': { schema: { $ref: 'https://example.com/schemas.json#/Thing' } } } }, responses: {} } },
  },
  components: {
    parameters: { Verbose: { name: 'verbose', in: 'query', schema: { type: 'array', items: { type: 'boolean' } } } },
    responses: { NotFound: { description: 'No such pet' } },
    requestBodies: { PetBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } }, 'text/plain': {} } } },
    schemas: { Pet: { type: 'object' } },
  },
});

const V3_YAML = `openapi: 3.0.3
info:
  title: Orders
  version: 2
paths:
  /orders:
    post:
      operationId: createOrder
      description: |
        Places an order.
      requestBody:
        content:
          application/json:
            schema:
              type: array
              items:
                $ref: '#/components/schemas/Order'
      responses:
        '201':
          description: Created
`;

const SWAGGER = `swagger: '2.0'
info: { title: Legacy, version: '0.1' }
consumes: [application/json]
parameters:
  Limit: { name: limit, in: query, type: integer, description: At most }
paths:
  /items:
    get:
      parameters: [{ $ref: '#/parameters/Limit' }]
      responses: { '200': { description: OK } }
    post:
      consumes: [application/xml]
      parameters:
        - { name: body, in: body, required: true, schema: { $ref: '#/definitions/Item' } }
        - { name: X-Trace, in: header, type: string }
      responses: { '201': { description: Made } }
`;

describe('OpenAPI extraction', () => {
  it('finds API files by name or by their top-level key', () => {
    expect(mayBeApi('api/openapi.yaml', 'x: 1')).toBe(true);
    expect(mayBeApi('docs/petstore-swagger.json', '{}')).toBe(true);
    expect(mayBeApi('spec/pets.yml', V3_YAML)).toBe(true);
    expect(mayBeApi('spec/pets.json', V3_JSON)).toBe(true);
    expect(mayBeApi('config/app.yaml', 'port: 3000\n')).toBe(false);
    expect(mayBeApi('src/openapi.ts', V3_YAML)).toBe(false);
  });

  it('reads OpenAPI 3 JSON: operations, path-level and referenced parameters, bodies, responses', () => {
    const api = extractApi('api/pets.json', V3_JSON)!;
    expect(api).toMatchObject({ path: 'api/pets.json', title: 'Pets', version: '1.2.0', description: 'Pets and owners.' });
    expect(api.operations.map((o) => `${o.method} ${o.path}`)).toEqual(['GET /pets/{petId}', 'PUT /pets/{petId}', 'POST /remote']);
    const [get, put, remote] = api.operations;
    expect(get).toMatchObject({ operationId: 'getPet', summary: 'Get a pet', description: null, tags: ['pets'], requestBody: null });
    expect(get.parameters).toEqual([
      { name: 'petId', in: 'path', required: true, description: 'The pet', type: 'string (uuid)' },
      { name: 'verbose', in: 'query', required: false, description: null, type: 'boolean[]' },
    ]);
    expect(get.responses).toEqual([
      { status: '200', description: 'The pet' },
      { status: '404', description: 'No such pet' },
    ]);
    expect(put.parameters).toEqual([{ name: 'petId', in: 'path', required: true, description: 'Overridden', type: 'integer' }]);
    expect(put.requestBody).toBe('application/json: Pet, text/plain');
    // A remote reference is named, never fetched.
    expect(remote.requestBody).toBe('application/json: Thing');
  });

  it('reads OpenAPI 3 YAML', () => {
    const api = extractApi('spec/orders.yaml', V3_YAML)!;
    expect(api).toMatchObject({ title: 'Orders', version: '2' });
    expect(api.operations).toEqual([
      { method: 'POST', path: '/orders', operationId: 'createOrder', summary: null, description: 'Places an order.\n', tags: [], parameters: [], requestBody: 'application/json: Order[]', responses: [{ status: '201', description: 'Created' }] },
    ]);
  });

  it('reads Swagger 2: body parameters become the request body with consumes', () => {
    const api = extractApi('legacy/swagger.yaml', SWAGGER)!;
    expect(api.title).toBe('Legacy');
    const [list, create] = api.operations;
    expect(list.parameters).toEqual([{ name: 'limit', in: 'query', required: false, description: 'At most', type: 'integer' }]);
    expect(list.requestBody).toBeNull();
    expect(create.requestBody).toBe('application/xml: Item');
    expect(create.parameters).toEqual([{ name: 'X-Trace', in: 'header', required: false, description: null, type: 'string' }]);
  });

  it('answers null for what is not an API description, and never throws', () => {
    expect(extractApi('openapi.yaml', 'a: [unclosed')).toBeNull();
    expect(extractApi('openapi.json', '{"openapi": "4.0"}')).toBeNull();
    expect(extractApi('openapi.json', '[1,2]')).toBeNull();
    expect(extractApi('openapi.yaml', 'a: &a [*a, *a]\nb: *a\n')).toBeNull();
    // A self-referencing $ref ends instead of looping.
    const loop = extractApi('openapi.json', JSON.stringify({ openapi: '3.0.0', paths: { '/x': { $ref: '#/paths/~1x' } } }))!;
    expect(loop.operations).toEqual([]);
  });
});
