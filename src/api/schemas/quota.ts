import { Type } from '@sinclair/typebox';
import { time } from './common.js';

/** Harbor's Quota: a project's hard limit and usage of storage, in bytes (-1: no limit). */
export const Quota = Type.Object(
  {
    id: Type.Integer(),
    ref: Type.Object({ id: Type.Integer(), name: Type.String(), owner_name: Type.String() }),
    creation_time: time,
    update_time: time,
    hard: Type.Object({ storage: Type.Integer() }),
    used: Type.Object({ storage: Type.Integer() }),
  },
  { $id: 'Quota' },
);
