import type { Repository } from '../../domain/repository/index.js';

/** Harbor's Repository. */
export function repositoryResponse(r: Repository) {
  return {
    id: r.id,
    project_id: r.projectId,
    name: r.name,
    description: r.description,
    artifact_count: r.artifactCount,
    pull_count: r.pullCount,
    creation_time: r.createdAt.toISOString(),
    update_time: r.updatedAt.toISOString(),
  };
}
