import type { Hash } from 'node:crypto';

interface Entry {
  readonly size: number;
  readonly hash: Hash;
}

/**
 * The running sha256 of uploads this process has been receiving, so that a chunked upload is hashed
 * once as its bytes flow. The database stays the truth: an entry whose size does not match the upload
 * (another replica took a chunk, or this process restarted) is ignored and the hash rebuilt from storage.
 */
export class HashCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  /** A copy of the hash state for the upload at exactly `size` bytes, if this process has it. */
  take(id: string, size: number): Hash | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.size !== size) return undefined;
    return entry.hash.copy();
  }

  put(id: string, size: number, hash: Hash): void {
    this.entries.delete(id);
    this.entries.set(id, { size, hash });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
