import type { Config } from '../config/index.js';
import { filesystemRoot } from '../config/index.js';
import type { StorageDriver } from './driver.js';
import { FilesystemDriver } from './filesystem.driver.js';
import { S3Driver } from './s3.driver.js';

export function createStorage(config: Config): StorageDriver {
  if (config.storage.driver === 's3') return new S3Driver(config.storage.s3);
  return new FilesystemDriver({ root: filesystemRoot(config), fsync: config.storage.filesystem.fsync });
}
