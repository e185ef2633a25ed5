import { statfs } from 'node:fs/promises';
import type { StorageCapacity } from './system.model.js';

/**
 * The size and free space of the filesystem the store lives on (Harbor's `GET /systeminfo/volumes`,
 * which reads its local data volume). Harbor answers zeros when it cannot tell (its data path does
 * not exist); so does Berth, and for object storage (S3), whose size no API gives.
 */
export class StorageCapacityProbe {
  /** `root`: the filesystem store's folder; undefined for object storage. */
  constructor(private readonly root: string | undefined) {}

  async capacity(): Promise<StorageCapacity> {
    if (this.root === undefined) return { total: 0, free: 0 };
    try {
      const stats = await statfs(this.root);
      // f_bavail: what an unprivileged writer may still use (Harbor's "free").
      return { total: stats.blocks * stats.bsize, free: stats.bavail * stats.bsize };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { total: 0, free: 0 };
      throw error;
    }
  }
}
