export type { Repository, RepositoryField, RepositoryMatch } from './repository.model.js';
export {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  requireProject,
  touchRepository,
} from './repository.repo.js';
export { type RepositoryQuery, RepositoryService } from './repository.service.js';
export { artifactCounts } from './repository-list.repo.js';
