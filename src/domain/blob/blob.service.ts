import type { Readable } from 'node:stream';
import { parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName } from '../../lib/names.js';
import { blobKey, ObjectNotFoundError } from '../../storage/index.js';
import type { ServiceContext } from '../context.js';
import { ensureRepository, findRepositoryId } from '../repository/index.js';
import { insertBlob, linkBlob, linkedBlobSize, unlinkBlob } from './blob.repo.js';

export interface BlobRange {
  readonly start: number;
  readonly end: number;
}

export interface OpenedBlob {
  readonly size: number;
  readonly stream: Readable;
}

/** Blobs as a repository sees them: content-addressed data in storage, linked per repository in the database. */
export class BlobService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Size of the blob in the repository; throws BLOB_UNKNOWN when it is not linked there. */
  async stat(repository: string, digest: string): Promise<number> {
    assertRepositoryName(repository);
    parseDigest(digest);
    const size = await linkedBlobSize(this.ctx.db, repository, digest);
    if (size === undefined)
      throw new BerthError('BLOB_UNKNOWN', `blob ${digest} is not in ${repository}`, { digest });
    return size;
  }

  /** Opens the blob, or the inclusive byte range of it, for streaming. */
  async open(
    repository: string,
    digest: string,
    range?: BlobRange,
    signal?: AbortSignal,
  ): Promise<OpenedBlob> {
    const size = await this.stat(repository, digest);
    try {
      const stream = await this.ctx.storage.read(blobKey(parseDigest(digest)), range, signal);
      return { size, stream };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        this.ctx.logger.error({ digest, repository }, 'blob data missing from storage');
        throw new BerthError(
          'BLOB_UNKNOWN',
          `blob ${digest} has no data in storage`,
          { digest },
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Links verified blob data into a repository (the data is already in storage under its digest). */
  async link(repository: string, digest: string, size: number): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.writes.run(async (tx) => {
      await insertBlob(tx, digest, size, now);
      const repositoryId = await ensureRepository(tx, repository, now);
      await linkBlob(tx, repositoryId, digest, now);
    });
  }

  /**
   * Cross-repository mount: links a blob that `from` holds into `repository`. Returns false (the
   * caller then starts an ordinary upload) when `from` does not hold it.
   */
  async mount(repository: string, digest: string, from: string): Promise<boolean> {
    assertRepositoryName(repository);
    parseDigest(digest);
    try {
      assertRepositoryName(from);
    } catch {
      return false;
    }
    const size = await linkedBlobSize(this.ctx.db, from, digest);
    if (size === undefined) return false;
    await this.link(repository, digest, size);
    return true;
  }

  /** Removes the repository's link to a blob; the data stays for other repositories and garbage collection. */
  async unlink(repository: string, digest: string): Promise<void> {
    assertRepositoryName(repository);
    parseDigest(digest);
    const repositoryId = await findRepositoryId(this.ctx.db, repository);
    const removed = repositoryId !== undefined && (await unlinkBlob(this.ctx.db, repositoryId, digest));
    if (!removed) throw new BerthError('BLOB_UNKNOWN', `blob ${digest} is not in ${repository}`, { digest });
  }
}
