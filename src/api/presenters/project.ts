import { type ProjectDetail, ProjectRole } from '../../domain/project/index.js';
import type { CveAllowlist } from '../../scan/index.js';
import { allowlistResponse } from './allowlist.js';

/** What Harbor's Project shows of the caller: their roles, and whether they may change its publicity. */
export interface CallerRoles {
  readonly roles: readonly number[];
  readonly sysadmin: boolean;
}

/** Harbor's Project as the caller sees it. */
export function projectResponse(project: ProjectDetail, allowlist: CveAllowlist, caller: CallerRoles) {
  return {
    project_id: project.id,
    owner_id: project.ownerId,
    name: project.name,
    creation_time: project.createdAt.toISOString(),
    update_time: project.updatedAt.toISOString(),
    deleted: false,
    owner_name: project.ownerName,
    togglable: caller.sysadmin || caller.roles.includes(ProjectRole.projectAdmin),
    current_user_role_id: caller.roles.length > 0 ? Math.min(...caller.roles) : 0,
    current_user_role_ids: [...caller.roles],
    repo_count: project.repoCount,
    metadata: project.metadata,
    cve_allowlist: allowlistResponse(allowlist),
  };
}

/** Harbor's ProjectSummary: repositories, and members by role for those who may list members. */
export function projectSummary(
  repoCount: number,
  members: Record<number, number> | undefined,
  quota: { hard: number; used: number } | undefined,
) {
  const count = (role: number) => members?.[role] ?? 0;
  return {
    ...(quota ? { quota: { hard: { storage: quota.hard }, used: { storage: quota.used } } } : {}),
    repo_count: repoCount,
    project_admin_count: count(ProjectRole.projectAdmin),
    maintainer_count: count(ProjectRole.maintainer),
    developer_count: count(ProjectRole.developer),
    guest_count: count(ProjectRole.guest),
    limited_guest_count: count(ProjectRole.limitedGuest),
  };
}
