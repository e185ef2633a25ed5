import { Type } from '@sinclair/typebox';
import { ref } from './common.js';

/** Harbor's ImmutableSelector: a doublestar pattern a tag or repository matches or is excluded by. */
export const ImmutableSelector = Type.Object(
  {
    kind: Type.Literal('doublestar'),
    decoration: Type.Union([
      Type.Literal('matches'),
      Type.Literal('excludes'),
      Type.Literal('repoMatches'),
      Type.Literal('repoExcludes'),
    ]),
    pattern: Type.String({
      maxLength: 1000,
      description: 'doublestar: * within a segment, ** across, {a,b}',
    }),
    extras: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { $id: 'ImmutableSelector', additionalProperties: false },
);

/** Harbor's ImmutableRule. The repository pattern is matched against the name without the project. */
export const ImmutableRule = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    priority: Type.Optional(Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })),
    disabled: Type.Optional(Type.Boolean()),
    action: Type.Optional(Type.String({ description: 'immutable' })),
    template: Type.Optional(Type.String({ description: 'immutable_template' })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    tag_selectors: Type.Array(ref(ImmutableSelector), { minItems: 1, maxItems: 10 }),
    scope_selectors: Type.Object(
      { repository: Type.Array(ref(ImmutableSelector), { minItems: 1, maxItems: 10 }) },
      { additionalProperties: false },
    ),
  },
  { $id: 'ImmutableRule', additionalProperties: false },
);
