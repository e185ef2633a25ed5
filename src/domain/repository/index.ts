export {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  presentDigests,
} from './repository.repo.js';
