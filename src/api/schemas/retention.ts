import { Type } from '@sinclair/typebox';
import { ref } from './common.js';

/** Harbor's RetentionSelector (Berth adds the regex kind and honours label). */
export const RetentionSelector = Type.Object(
  {
    kind: Type.Union([Type.Literal('doublestar'), Type.Literal('regex'), Type.Literal('label')]),
    decoration: Type.String({ maxLength: 40 }),
    pattern: Type.String({ maxLength: 1000 }),
    extras: Type.Optional(Type.String({ maxLength: 1000, description: 'JSON: {"untagged": true}' })),
  },
  { $id: 'RetentionSelector', additionalProperties: false },
);

export const RetentionRule = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    priority: Type.Optional(Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })),
    disabled: Type.Optional(Type.Boolean()),
    action: Type.Literal('retain'),
    template: Type.String({
      maxLength: 40,
      description: 'latestPushedK, latestPulledN, nDaysSinceLastPush, nDaysSinceLastPull or always',
    }),
    params: Type.Optional(Type.Record(Type.String(), Type.Number())),
    tag_selectors: Type.Array(ref(RetentionSelector), { maxItems: 10 }),
    scope_selectors: Type.Object(
      { repository: Type.Optional(Type.Array(ref(RetentionSelector), { maxItems: 10 })) },
      { additionalProperties: false },
    ),
  },
  { $id: 'RetentionRule', additionalProperties: false },
);

export const RetentionPolicy = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    algorithm: Type.Literal('or'),
    rules: Type.Array(ref(RetentionRule), { maxItems: 50 }),
    trigger: Type.Optional(
      Type.Object({
        kind: Type.Literal('Schedule'),
        settings: Type.Object(
          {
            cron: Type.Optional(
              Type.String({ maxLength: 256, description: 'six fields, seconds first; empty: manual only' }),
            ),
          },
          { additionalProperties: false },
        ),
        references: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
    scope: Type.Object({
      level: Type.String({ maxLength: 20 }),
      ref: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    }),
  },
  { $id: 'RetentionPolicy', additionalProperties: false },
);

export const RetentionExecution = Type.Object(
  {
    id: Type.Integer(),
    policy_id: Type.Integer(),
    start_time: Type.String(),
    end_time: Type.Optional(Type.String()),
    status: Type.String(),
    trigger: Type.String(),
    dry_run: Type.Boolean(),
  },
  { $id: 'RetentionExecution' },
);

export const RetentionExecutionTask = Type.Object(
  {
    id: Type.Integer(),
    execution_id: Type.Integer(),
    repository: Type.String(),
    job_id: Type.String(),
    status: Type.String(),
    status_code: Type.Integer(),
    status_revision: Type.Integer(),
    start_time: Type.String(),
    end_time: Type.Optional(Type.String()),
    total: Type.Integer(),
    retained: Type.Integer(),
  },
  { $id: 'RetentionExecutionTask' },
);

const SelectorMetadata = Type.Object({
  display_text: Type.String(),
  kind: Type.String(),
  decorations: Type.Array(Type.String()),
});

export const RetentionMetadata = Type.Object(
  {
    templates: Type.Array(
      Type.Object({
        rule_template: Type.String(),
        display_text: Type.String(),
        action: Type.String(),
        params: Type.Array(
          Type.Object({ type: Type.String(), unit: Type.String(), required: Type.Boolean() }),
        ),
      }),
    ),
    scope_selectors: Type.Array(SelectorMetadata),
    tag_selectors: Type.Array(SelectorMetadata),
  },
  { $id: 'RetentionMetadata' },
);
