import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** Shapes every resource uses: errors, times, string maps, and typed references to shared schemas. */

/**
 * A reference to a shared schema by its `$id` that keeps the schema's static type, so request bodies
 * and answers are typed by the schema itself (TypeBox 0.34's `Type.Ref(schema)` types them unknown).
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

export const Errors = Type.Object(
  { errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })) },
  {
    $id: 'Errors',
    description: 'The error array that describe the errors got during the handling of request',
  },
);

export const time = Type.String({ format: 'date-time' });

export const stringMap = Type.Record(Type.String(), Type.String());

export const errorResponses = {
  400: ref(Errors),
  401: ref(Errors),
  403: ref(Errors),
  404: ref(Errors),
  409: ref(Errors),
  412: ref(Errors),
  500: ref(Errors),
  502: ref(Errors),
};
