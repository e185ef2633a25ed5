export {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  projectNameOf,
  requireProject,
  storedSizes,
  touchRepository,
} from './repository.repo.js';
