export { linkBlob, lockLiveBlobs, touchBlobs } from './blob.repo.js';
export { type BlobRange, BlobService, type OpenedBlob } from './blob.service.js';
