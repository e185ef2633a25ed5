export { ensureRepository, findRepositoryId, listRepositoryNames } from './repository.repo.js';
