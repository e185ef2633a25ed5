export {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  projectNameOf,
  storedSizes,
  touchRepository,
} from './repository.repo.js';
