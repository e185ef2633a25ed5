import type { Readable } from 'node:stream';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly modified: Date;
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive; omitted means to the end. */
  readonly end?: number;
}

/**
 * A small, stream-oriented object store. Keys are `/`-separated relative paths (see paths.ts).
 * Every write is atomic: an object is either absent or complete, never partial, whatever happens to
 * the process in the middle of a write.
 */
export interface StorageDriver {
  readonly name: string;
  /** Size and time of an object, or null when it does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** A stream of the object's bytes (or of a range of them); throws ObjectNotFoundError. */
  read(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Readable>;
  /** Stores the stream's bytes under key, replacing what was there; resolves with the byte count. */
  write(key: string, source: Readable, signal?: AbortSignal): Promise<number>;
  /** Stores the concatenation of existing objects under key, atomically; the sources stay. */
  concat(key: string, sources: readonly string[]): Promise<void>;
  /** Removes one object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes the objects (missing ones are not an error): S3 in `DeleteObjects` calls of up to 1,000
   * keys, the filesystem `concurrency` at a time. Resolves with the keys it could not remove.
   */
  deleteMany(keys: readonly string[], concurrency?: number): Promise<string[]>;
  /** Removes every object whose key starts with prefix. */
  deletePrefix(prefix: string): Promise<void>;
  /** Every object whose key starts with prefix, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Removes the driver's own leftovers of interrupted writes older than maxAge. */
  cleanup(maxAgeMs: number): Promise<void>;
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}
