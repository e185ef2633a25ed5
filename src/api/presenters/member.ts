import type { Member } from '../../domain/member/index.js';
import { roleNames } from '../../domain/project/index.js';

/** Harbor's ProjectMemberEntity. */
export function memberResponse(member: Member) {
  return {
    id: member.id,
    project_id: member.projectId,
    entity_name: member.entityName,
    role_name: roleNames[member.role] ?? '',
    role_id: member.role,
    entity_id: member.entityId,
    entity_type: member.entityType,
  };
}
