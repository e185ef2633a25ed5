import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';

/** Harbor's user shapes. */

export const UserResp = Type.Object(
  {
    user_id: Type.Integer(),
    username: Type.String(),
    email: Type.String(),
    realname: Type.String(),
    comment: Type.String(),
    sysadmin_flag: Type.Boolean(),
    admin_role_in_auth: Type.Boolean(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'UserResp' },
);

export const UserCreationReq = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ maxLength: 128 }),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    realname: Type.Optional(Type.String({ maxLength: 255 })),
    comment: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { $id: 'UserCreationReq' },
);

export const UserProfile = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 255 })),
    realname: Type.Optional(Type.String({ maxLength: 255 })),
    comment: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { $id: 'UserProfile' },
);

export const UserSysAdminFlag = Type.Object({ sysadmin_flag: Type.Boolean() }, { $id: 'UserSysAdminFlag' });

export const PasswordReq = Type.Object(
  { old_password: Type.Optional(Type.String()), new_password: Type.String() },
  { $id: 'PasswordReq' },
);

export const UserSearchRespItem = Type.Object(
  { user_id: Type.Integer(), username: Type.String() },
  { $id: 'UserSearchRespItem' },
);

export const OIDCCliSecretReq = Type.Object(
  { secret: Type.Optional(Type.String({ description: 'the new secret' })) },
  { $id: 'OIDCCliSecretReq' },
);

export const Permission = Type.Object(
  { resource: Type.String(), action: Type.String() },
  { $id: 'Permission' },
);

export const Permissions = Type.Object(
  {
    system: Type.Optional(Type.Array(ref(Permission), { description: 'the system level permissions' })),
    project: Type.Optional(Type.Array(ref(Permission), { description: 'the project level permissions' })),
  },
  { $id: 'Permissions' },
);
