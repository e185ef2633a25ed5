export {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  presentDigests,
  projectNameOf,
  touchRepository,
} from './repository.repo.js';
