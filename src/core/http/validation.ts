// Request validation. Bodies are JSON and keep their types: a number sent for a string
// field is an error, never silently turned into "42". Query strings and path params are
// text by nature, so there values are coerced to the schema's types.
// allErrors lists every bad field (VALIDATION_FAILED); the body size limit and maxLength
// bounds on every string keep that from being a denial-of-service lever.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: 'all', useDefaults: true, coerceTypes, strict: false });
  addFormats(ajv);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<any> {
  const body = createAjv(false);
  const text = createAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema);
}
