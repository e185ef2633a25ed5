import { Type } from '@sinclair/typebox';
import { time } from './common.js';

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
