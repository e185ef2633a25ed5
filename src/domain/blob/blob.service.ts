import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName } from '../../lib/names.js';
import { blobKey, ObjectNotFoundError } from '../../storage/index.js';
import type { ServiceContext } from '../context.js';
import { assertRoom } from '../quota/index.js';
import { ensureRepository, findRepositoryId } from '../repository/index.js';
import { blobState, insertBlob, linkBlob, linkedBlobSize, unlinkBlob } from './blob.repo.js';

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

  /**
   * Stores verified blob data (`write` puts it in storage under its digest) and links it into the
   * repository, safely beside a garbage collection that may be removing the same digest: data is
   * written before its row is recorded (so a live row always has its data), a blob being removed is
   * waited out and written again, and the link is made only while the row is live and locked (see
   * the README's "Garbage collection"). `write` runs only when the blob is not stored already.
   */
  async store(repository: string, digest: string, size: number, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.settled(digest);
      const written = state === undefined;
      if (written) await write();
      const now = this.ctx.now();
      const linked = await this.ctx.writes.run(async (tx) => {
        if (written) await insertBlob(tx, digest, size, now);
        const repositoryId = await ensureRepository(tx, repository, now);
        await assertRoom(tx, this.ctx.dialect, repositoryId, [{ digest, size }]);
        return linkBlob(tx, this.ctx.dialect, repositoryId, digest, now);
      });
      if (linked) return;
      // Garbage collection took the digest between the check and the link: try again.
      if (attempt >= 3)
        throw new BerthError(
          'TOOMANYREQUESTS',
          `blob ${digest} is being garbage-collected; retry the upload`,
        );
    }
  }

  /** The blob's state once no garbage collection is removing it (undefined: not stored). */
  private async settled(digest: string): Promise<{ readonly size: number } | undefined> {
    const deadline = this.ctx.now() + 30_000;
    for (let wait = 5; ; wait = Math.min(wait * 2, 250)) {
      const state = await blobState(this.ctx.db, digest);
      if (!state?.deleting) return state;
      if (this.ctx.now() > deadline)
        throw new BerthError(
          'TOOMANYREQUESTS',
          `blob ${digest} is being garbage-collected; retry the upload`,
        );
      await sleep(wait);
    }
  }

  /**
   * Cross-repository mount: links a blob that `from` holds into `repository`. Returns false (the
   * caller then starts an ordinary upload) when `from` does not hold it or it is being removed.
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
    const now = this.ctx.now();
    return this.ctx.writes.run(async (tx) => {
      const repositoryId = await ensureRepository(tx, repository, now);
      await assertRoom(tx, this.ctx.dialect, repositoryId, [{ digest, size }]);
      return linkBlob(tx, this.ctx.dialect, repositoryId, digest, now);
    });
  }

  /** Removes the repository's link to a blob; the data stays for other repositories and garbage collection. */
  async unlink(repository: string, digest: string): Promise<void> {
    assertRepositoryName(repository);
    parseDigest(digest);
    const repositoryId = await findRepositoryId(this.ctx.db, repository);
    const removed =
      repositoryId !== undefined && (await unlinkBlob(this.ctx.db, repositoryId, digest, this.ctx.now()));
    if (!removed) throw new BerthError('BLOB_UNKNOWN', `blob ${digest} is not in ${repository}`, { digest });
  }
}
