import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';

/** Harbor's robot account shapes. */

export const RobotPermissionSchema = Type.Object(
  {
    kind: Type.String(),
    namespace: Type.String(),
    access: Type.Array(
      Type.Object({ resource: Type.String(), action: Type.String(), effect: Type.Optional(Type.String()) }),
    ),
  },
  { $id: 'RobotPermission' },
);

export const RobotCreate = Type.Object(
  {
    name: Type.String(),
    description: Type.Optional(Type.String()),
    secret: Type.Optional(Type.String()),
    level: Type.Union([Type.Literal('system'), Type.Literal('project')]),
    disable: Type.Optional(Type.Boolean()),
    duration: Type.Integer({ description: 'days until expiry; -1 for never, 0 for the default (30)' }),
    permissions: Type.Array(ref(RobotPermissionSchema)),
  },
  { $id: 'RobotCreate' },
);

export const RobotCreated = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    secret: Type.String(),
    creation_time: time,
    expires_at: Type.Integer(),
  },
  { $id: 'RobotCreated' },
);

export const Robot = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    level: Type.String(),
    duration: Type.Integer(),
    editable: Type.Boolean(),
    disable: Type.Boolean(),
    expires_at: Type.Integer(),
    permissions: Type.Array(ref(RobotPermissionSchema)),
    creator_type: Type.String(),
    creator_ref: Type.Integer(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'Robot' },
);

export const RobotUpdate = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    level: Type.Optional(Type.String()),
    disable: Type.Optional(Type.Boolean()),
    duration: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description: 'days from creation; -1 never, 0 the default (30)',
      }),
    ),
    permissions: Type.Optional(Type.Array(ref(RobotPermissionSchema))),
  },
  {
    $id: 'RobotUpdate',
    additionalProperties: true,
    description: 'Harbor’s Robot as read: only description, disable, duration and permissions change',
  },
);

export const RobotSec = Type.Object({ secret: Type.Optional(Type.String()) }, { $id: 'RobotSec' });
