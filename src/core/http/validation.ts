// Schema compilers. Bodies are JSON and keep their types: a number sent for a string field
// is an error, never silently turned into "42". Query strings and path params are text by
// nature, so there values are coerced to the schema's types. allErrors lists every bad
// field (VALIDATION_FAILED); the body size limit and maxLength bounds on every string keep
// that from being a denial-of-service lever. Every string is also held to the character
// rules of input-rules.ts (decision 0020): what a schema does not say, the net adds.
//
// Both validators and serializers compile on first use rather than at start-up: compiling
// every route's schemas up front costs about half a second, paid again on every start,
// while a route's first request pays only for its own few milliseconds.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { addInputRules, guardStrings } from './input-rules.ts';
import { forSerialization } from './serializer-schema.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: Options['coerceTypes'], removeAdditional: Options['removeAdditional'] = 'all'): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional, useDefaults: true, coerceTypes, strict: false });
  addFormats(ajv);
  return addInputRules(ajv);
}

export function createValidatorCompiler(): FastifySchemaCompiler<any> {
  let body: Ajv | undefined;
  let text: Ajv | undefined;
  let headers: Ajv | undefined;
  const ajvFor = (httpPart: string | undefined): Ajv => {
    if (httpPart === 'body') {
      body ??= createAjv(false);
      return body;
    }
    // A route's header schema names the headers it reads; the others (Cookie, X-Forwarded-*,
    // Authorization) are the framework's and must stay on the request.
    if (httpPart === 'headers') {
      headers ??= createAjv('array', false);
      return headers;
    }
    text ??= createAjv('array');
    return text;
  };
  return ({ schema, httpPart }) => {
    let validate: ValidateFunction | undefined;
    // Fastify reads `.errors` off the function it was given, so the wrapper mirrors them.
    const lazy = (data: unknown) => {
      if (!validate) {
        validate = ajvFor(httpPart).compile(guardStrings(schema) as object);
      }
      const ok = validate(data);
      lazy.errors = validate.errors;
      return ok;
    };
    lazy.errors = null as ValidateFunction['errors'];
    return lazy;
  };
}

/**
 * A validator for a JSON value held to the rules of request bodies (no coercion, defaults
 * applied, unknown properties removed, the character rules of every string): what checks an
 * LLM tool's input (core/llm/tools.ts) as strictly as the API checks the same fields. It
 * changes the value it checks, as Fastify's does a body: give it a copy.
 */
export function compileBodyValidator(schema: object): ValidateFunction {
  bodyAjv ??= createAjv(false);
  return bodyAjv.compile(guardStrings(schema) as object);
}
let bodyAjv: Ajv | undefined;

type BuildSerializer = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer'];

/**
 * Fastify's own fast-json-stringify compiler, deferred to each route's first response, given
 * the response schema with its nullable and literal unions rewritten (serializer-schema.ts).
 */
export const lazySerializers: BuildSerializer = (externalSchemas, options) => {
  const build = SerializerSelector()(externalSchemas as any, options as any);
  return (route: any) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => {
      serialize ??= build({ ...route, schema: forSerialization(route.schema) }) as (data: unknown) => string;
      return serialize(data);
    };
  };
};
