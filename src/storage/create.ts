import type { Config } from '../config/index.js';
import { filesystemRoot } from '../config/index.js';
import type { StorageDriver } from './driver.js';
import { FilesystemDriver } from './filesystem.driver.js';

/** The configured driver; the AWS SDK is loaded only when the S3 driver is chosen. */
export async function createStorage(config: Config): Promise<StorageDriver> {
  if (config.storage.driver === 's3') {
    const { S3Driver } = await import('./s3.driver.js');
    return new S3Driver(config.storage.s3);
  }
  return new FilesystemDriver({ root: filesystemRoot(config), fsync: config.storage.filesystem.fsync });
}
