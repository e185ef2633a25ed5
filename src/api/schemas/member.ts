import { Type } from '@sinclair/typebox';

/** Harbor's project member shapes. */

export const ProjectMemberEntity = Type.Object(
  {
    id: Type.Integer(),
    project_id: Type.Integer(),
    entity_name: Type.String(),
    role_name: Type.String(),
    role_id: Type.Integer(),
    entity_id: Type.Integer(),
    entity_type: Type.String({ description: "'u' for a user, 'g' for a group" }),
  },
  { $id: 'ProjectMemberEntity' },
);

export const ProjectMember = Type.Object(
  {
    role_id: Type.Integer({
      description: '1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest',
    }),
    member_user: Type.Optional(
      Type.Object({
        user_id: Type.Optional(Type.Integer({ description: 'the user, by id' })),
        username: Type.Optional(Type.String({ description: 'the user, by name' })),
      }),
    ),
    member_group: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.Integer()),
          group_name: Type.Optional(Type.String()),
          group_type: Type.Optional(Type.Integer()),
          ldap_group_dn: Type.Optional(Type.String()),
        },
        { description: 'groups arrive with LDAP and OIDC sign-in; refused until then' },
      ),
    ),
  },
  { $id: 'ProjectMember' },
);

export const RoleRequest = Type.Object({ role_id: Type.Integer() }, { $id: 'RoleRequest' });
