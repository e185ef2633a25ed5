import type { TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * The management API's validators. A JSON body is validated as sent: `{"project_name": 123}` is a
 * number where a string belongs, and is refused, never turned into the name "123". Paths, query
 * strings and headers, text by nature, are coerced to their schema's types (`page=2` is 2). Unknown
 * fields stay (and schemas that forbid them refuse them by name); defaults are filled in.
 */
export function validatorCompiler(schemas: readonly TSchema[]): FastifySchemaCompiler<TSchema> {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false });
    addFormats.default(ajv);
    for (const schema of schemas) ajv.addSchema(schema);
    return ajv;
  };
  const strict = make(false);
  const coercing = make('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}
