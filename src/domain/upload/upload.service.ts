import type { Hash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { type DigestAlgorithm, newHash, type ParsedDigest, parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName } from '../../lib/names.js';
import { MeteredStream } from '../../lib/streams.js';
import { blobKey, uploadPrefix, uploadSegmentKey, uploadsRoot } from '../../storage/index.js';
import type { BlobService } from '../blob/index.js';
import type { ServiceContext } from '../context.js';
import { requireProject } from '../repository/index.js';
import { HashCache } from './hash-cache.js';
import {
  appendSegment,
  deleteUpload,
  existingUploadIds,
  findUpload,
  insertUpload,
  staleUploadIds,
  type Upload,
} from './upload.repo.js';

export interface UploadState {
  readonly id: string;
  /** Bytes received so far. */
  readonly size: number;
}

/** A chunk as the client described it: `Content-Range` (inclusive) and `Content-Length`, when sent. */
export interface ChunkInfo {
  readonly range?: { readonly start: number; readonly end: number } | undefined;
  readonly length?: number | undefined;
}

export interface CommittedBlob {
  readonly digest: string;
  readonly size: number;
}

const uploadIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blob uploads (monolithic, streamed and chunked). Each chunk is stored as its own object under
 * uploads/<id>/ and recorded in the database, so an upload survives restarts and can continue on any
 * replica. A blob becomes visible only after its bytes were hashed and matched the digest the client
 * named, and were committed to blobs/ in one atomic step.
 */
export class UploadService {
  private readonly hashes = new HashCache(4096);

  constructor(
    private readonly ctx: ServiceContext,
    private readonly blobs: BlobService,
    private readonly limits: { readonly ttlMs: number; readonly orphanGraceMs: number },
  ) {}

  async start(repository: string): Promise<UploadState> {
    assertRepositoryName(repository);
    await requireProject(this.ctx.db, repository);
    const id = randomUUID();
    await insertUpload(this.ctx.db, id, repository, this.ctx.now());
    return { id, size: 0 };
  }

  async status(repository: string, id: string): Promise<UploadState> {
    const upload = await this.load(repository, id);
    return { id, size: upload.size };
  }

  async append(repository: string, id: string, body: Readable, chunk: ChunkInfo): Promise<UploadState> {
    const upload = await this.load(repository, id);
    const { upload: updated } = await this.appendChunk(upload, body, chunk);
    return { id, size: updated.size };
  }

  /** Finishes an upload with an optional last chunk; verifies the digest, then publishes the blob. */
  async complete(
    repository: string,
    id: string,
    digest: string,
    body: Readable | undefined,
    chunk: ChunkInfo,
  ): Promise<CommittedBlob> {
    const parsed = parseDigest(digest);
    let upload = await this.load(repository, id);
    let hash: Hash | undefined;
    if (body) ({ upload, hash } = await this.appendChunk(upload, body, chunk));
    // The running sha256 of this process when it has one for exactly these bytes; else read them back.
    if (parsed.algorithm !== 'sha256') hash = undefined;
    else hash ??= this.hashes.take(upload.id, upload.size);
    hash ??= await this.hashOf(upload, parsed.algorithm);
    const actual = `${parsed.algorithm}:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw new BerthError('DIGEST_INVALID', `upload content has digest ${actual}, not ${digest}`, {
        digest,
      });
    }
    const keys = upload.segments.map((s) => s.key);
    await this.blobs.store(repository, digest, upload.size, () => this.publish(parsed, keys, upload.size));
    await deleteUpload(this.ctx.db, id);
    this.hashes.delete(id);
    await this.discard(id);
    return { digest, size: upload.size };
  }

  /** `POST ?digest=`: the whole blob in one request. */
  async putMonolithic(
    repository: string,
    digest: string,
    body: Readable,
    length?: number,
  ): Promise<CommittedBlob> {
    assertRepositoryName(repository);
    const parsed = parseDigest(digest);
    try {
      await requireProject(this.ctx.db, repository);
    } catch (error) {
      body.resume();
      throw error;
    }
    const hash = newHash(parsed.algorithm);
    const id = randomUUID();
    const key = uploadSegmentKey(id, 'monolithic');
    try {
      const size = await this.writeSegment(key, body, hash, length);
      const actual = `${parsed.algorithm}:${hash.digest('hex')}`;
      if (actual !== digest) {
        throw new BerthError('DIGEST_INVALID', `upload content has digest ${actual}, not ${digest}`, {
          digest,
        });
      }
      await this.blobs.store(repository, digest, size, () =>
        this.publish(parsed, size === 0 ? [] : [key], size),
      );
      return { digest, size };
    } finally {
      await this.discard(id);
    }
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.load(repository, id);
    await deleteUpload(this.ctx.db, id);
    this.hashes.delete(id);
    await this.discard(id);
  }

  /**
   * Removes uploads untouched for longer than the TTL, chunk data that no upload owns (left by a
   * process killed mid-request) and the storage driver's own leftovers.
   */
  async cleanup(): Promise<{ expired: number; orphaned: number }> {
    const now = this.ctx.now();
    const stale = await staleUploadIds(this.ctx.db, Math.floor(now - this.limits.ttlMs));
    for (const id of stale) {
      await deleteUpload(this.ctx.db, id);
      await this.discard(id);
    }
    const candidates = new Set<string>();
    for await (const object of this.ctx.storage.list(uploadsRoot)) {
      const id = object.key.slice(uploadsRoot.length).split('/')[0] as string;
      if (object.modified.getTime() < now - this.limits.orphanGraceMs) candidates.add(id);
    }
    const live = await existingUploadIds(this.ctx.db, [...candidates]);
    let orphaned = 0;
    for (const id of candidates) {
      if (live.has(id)) continue;
      await this.discard(id);
      orphaned++;
    }
    await this.ctx.storage.cleanup(this.limits.orphanGraceMs);
    return { expired: stale.length, orphaned };
  }

  private async load(repository: string, id: string): Promise<Upload> {
    assertRepositoryName(repository);
    const upload = uploadIdPattern.test(id) ? await findUpload(this.ctx.db, id) : undefined;
    if (!upload || upload.repository !== repository) {
      throw new BerthError('BLOB_UPLOAD_UNKNOWN', `upload ${id.slice(0, 64)} is unknown to ${repository}`);
    }
    return upload;
  }

  private async appendChunk(
    upload: Upload,
    body: Readable,
    chunk: ChunkInfo,
  ): Promise<{ upload: Upload; hash: Hash }> {
    const { range, length } = chunk;
    if (range) {
      if (range.start !== upload.size) {
        throw new BerthError(
          'RANGE_INVALID',
          `chunk starts at ${range.start}, but the upload holds ${upload.size} bytes`,
          {
            size: upload.size,
          },
        );
      }
      if (length !== undefined && range.end - range.start + 1 !== length) {
        throw new BerthError(
          'RANGE_INVALID',
          `Content-Range ${range.start}-${range.end} does not match Content-Length ${length}`,
          {
            size: upload.size,
          },
        );
      }
    }
    const hash = this.hashes.take(upload.id, upload.size) ?? (await this.hashOf(upload, 'sha256'));
    const key = uploadSegmentKey(upload.id, randomUUID());
    let size: number;
    try {
      size = await this.writeSegment(key, body, hash, length);
    } catch (error) {
      await this.ctx.storage.delete(key).catch(() => undefined);
      throw error;
    }
    if (size === 0) {
      await this.ctx.storage.delete(key);
      return { upload, hash };
    }
    const updated = await appendSegment(this.ctx.db, upload, { key, size }, this.ctx.now());
    if (!updated) {
      await this.ctx.storage.delete(key);
      throw new BerthError('RANGE_INVALID', 'another chunk was appended to this upload at the same time', {
        size: upload.size,
      });
    }
    this.hashes.put(upload.id, updated.size, hash.copy());
    return { upload: updated, hash };
  }

  /** Streams the body into one storage object, hashing it on the way; checks the declared length. */
  private async writeSegment(key: string, body: Readable, hash: Hash, length?: number): Promise<number> {
    const metered = new MeteredStream([hash]);
    const size = await this.ctx.storage.write(
      key,
      pipeline(body, metered, () => undefined),
    );
    if (length !== undefined && size !== length) {
      throw new BerthError('SIZE_INVALID', `received ${size} bytes, but Content-Length said ${length}`);
    }
    return size;
  }

  /** Rebuilds the hash of an upload's bytes from storage. */
  private async hashOf(upload: Upload, algorithm: DigestAlgorithm): Promise<Hash> {
    const hash = newHash(algorithm);
    for (const segment of upload.segments) {
      for await (const chunk of await this.ctx.storage.read(segment.key)) hash.update(chunk as Buffer);
    }
    return hash;
  }

  /** Writes verified bytes to blobs/<digest> in one atomic step. */
  private async publish(digest: ParsedDigest, keys: readonly string[], size: number): Promise<void> {
    const target = blobKey(digest);
    try {
      if (keys.length === 0) await this.ctx.storage.write(target, Readable.from([]));
      else await this.ctx.storage.concat(target, keys);
    } catch (error) {
      // Two uploads of the same blob may commit at once; some stores refuse the second writer. The
      // content is addressed by its digest, so the winner's object is this upload's object too.
      if ((await this.ctx.storage.stat(target).catch(() => null))?.size === size) {
        this.ctx.logger.info(
          { module: 'uploads', digest: digest.digest },
          'blob committed by a concurrent upload',
        );
        return;
      }
      throw error;
    }
  }

  private async discard(id: string): Promise<void> {
    await this.ctx.storage.deletePrefix(uploadPrefix(id)).catch((error: unknown) => {
      this.ctx.logger.warn({ err: error, upload: id }, 'failed to remove upload data');
    });
  }
}
