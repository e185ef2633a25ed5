import { Type } from '@sinclair/typebox';
import { time } from './common.js';

/** Harbor's audit log shapes. */

export const AuditLog = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    resource: Type.String(),
    resource_type: Type.String(),
    operation: Type.String(),
    op_time: time,
  },
  { $id: 'AuditLog' },
);

export const AuditLogExt = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    resource: Type.String(),
    resource_type: Type.String(),
    operation: Type.String(),
    operation_description: Type.String(),
    operation_result: Type.Boolean(),
    op_time: time,
  },
  { $id: 'AuditLogExt' },
);
