export { createStorage } from './create.js';
export { type ByteRange, type ObjectInfo, ObjectNotFoundError, type StorageDriver } from './driver.js';
export { FilesystemDriver, type FilesystemOptions } from './filesystem.driver.js';
export * from './paths.js';
export type { S3Options } from './s3.driver.js';
