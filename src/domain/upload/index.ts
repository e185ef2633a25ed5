export { type ChunkInfo, type CommittedBlob, UploadService, type UploadState } from './upload.service.js';
