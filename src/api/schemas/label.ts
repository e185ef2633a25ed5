import { Type } from '@sinclair/typebox';
import { time } from './common.js';

/** Harbor's label shapes. */

/** A label as Harbor answers it: an empty description or colour and a global label's project 0 are left out. */
export const Label = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    color: Type.Optional(Type.String()),
    scope: Type.String({ description: 'g (global) or p (a project’s own)' }),
    project_id: Type.Optional(Type.Integer({ description: 'the project of a project label' })),
    creation_time: time,
    update_time: time,
  },
  { $id: 'Label' },
);

/**
 * A Label as sent: creation reads name, description, color, scope and project_id; an update sets
 * name, description and color (one not sent becomes empty); attaching to an artifact reads id only.
 */
export const LabelReq = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    color: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    project_id: Type.Optional(Type.Integer()),
    creation_time: Type.Optional(Type.String()),
    update_time: Type.Optional(Type.String()),
  },
  { $id: 'LabelReq', description: 'Harbor’s Label, as a request body' },
);
