export { storedBlobSize } from './blob.repo.js';
export { type BlobRange, BlobService, type OpenedBlob } from './blob.service.js';
