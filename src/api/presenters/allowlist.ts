import type { CveAllowlist } from '../../scan/index.js';

/** Harbor's CVEAllowlist of a project (or of the system, project 0): expires_at in epoch seconds. */
export function allowlistResponse(list: CveAllowlist) {
  return {
    id: list.projectId,
    project_id: list.projectId,
    expires_at: list.expiresAt === undefined ? null : Math.floor(list.expiresAt.getTime() / 1000),
    items: list.items.map((cve_id) => ({ cve_id })),
    ...(list.createdAt === undefined ? {} : { creation_time: list.createdAt.toISOString() }),
    ...(list.updatedAt === undefined ? {} : { update_time: list.updatedAt.toISOString() }),
  };
}
