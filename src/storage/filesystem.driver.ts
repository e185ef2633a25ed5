import { randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, type ObjectInfo, ObjectNotFoundError, type StorageDriver } from './driver.js';

const tmpDir = '_tmp';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export interface FilesystemOptions {
  root: string;
  /** fsync data before it becomes visible, so that a power loss cannot leave a renamed, empty file. */
  fsync: boolean;
}

/** Objects are files under root; writes land in root/_tmp and are renamed into place when complete. */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  private readonly root: string;

  constructor(private readonly options: FilesystemOptions) {
    this.root = path.resolve(options.root);
  }

  private file(key: string): string {
    const normalized = path.posix.normalize(key);
    if (normalized.startsWith('..') || path.posix.isAbsolute(normalized) || normalized.startsWith(tmpDir)) {
      throw new Error(`invalid storage key ${key}`);
    }
    return path.join(this.root, normalized);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.file(key));
      return s.isFile() ? { key, size: s.size, modified: s.mtime } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new ObjectNotFoundError(key) : error;
    });
    // The stream owns the handle and closes it once, whether it ends, fails or is destroyed.
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1024 * 1024 });
  }

  private async temporary(): Promise<string> {
    const dir = path.join(this.root, tmpDir);
    await mkdir(dir, { recursive: true });
    return path.join(dir, randomUUID());
  }

  private async publish(tmp: string, key: string): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
  }

  private async sync(file: string): Promise<void> {
    if (!this.options.fsync) return;
    const handle = await open(file, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async write(key: string, source: Readable, signal?: AbortSignal): Promise<number> {
    const tmp = await this.temporary();
    const sink = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1024 * 1024 });
    try {
      await pipeline(source, sink, signal ? { signal } : {});
      await this.sync(tmp);
      await this.publish(tmp, key);
      return sink.bytesWritten;
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async concat(key: string, sources: readonly string[]): Promise<void> {
    if (sources.length === 1) {
      // One source: a hard link is an atomic, zero-copy "copy" that leaves the source in place.
      const tmp = await this.temporary();
      try {
        await link(this.file(sources[0] as string), tmp);
        await this.publish(tmp, key);
        return;
      } catch (error) {
        await rm(tmp, { force: true });
        if (isMissing(error)) throw new ObjectNotFoundError(sources[0] as string);
        throw error;
      }
    }
    const tmp = await this.temporary();
    try {
      await pipeline(Readable.from(this.readAll(sources)), createWriteStream(tmp, { flags: 'wx' }));
      await this.sync(tmp);
      await this.publish(tmp, key);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  private async *readAll(keys: readonly string[]): AsyncIterable<Buffer> {
    for (const key of keys) {
      for await (const chunk of await this.read(key)) yield chunk as Buffer;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.file(key));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async deleteMany(keys: readonly string[], concurrency = 8): Promise<string[]> {
    const queue = [...keys];
    const failed: string[] = [];
    const next = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        await this.delete(key).catch(() => failed.push(key));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, next));
    return failed;
  }

  async deletePrefix(prefix: string): Promise<void> {
    const base = this.file(prefix);
    if (prefix.endsWith('/')) {
      await rm(base, { recursive: true, force: true });
      return;
    }
    for await (const object of this.list(prefix)) await this.delete(object.key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const dirKey = prefix.endsWith('/')
      ? prefix
      : path.posix.dirname(prefix) === '.'
        ? ''
        : `${path.posix.dirname(prefix)}/`;
    yield* this.walk(dirKey, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dirKey === '' ? this.root : this.file(dirKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const key = `${dirKey}${entry.name}`;
      if (dirKey === '' && entry.name === tmpDir) continue;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(`${key}/`, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await this.stat(key);
        if (info) yield info;
      }
    }
  }

  async cleanup(maxAgeMs: number): Promise<void> {
    const dir = path.join(this.root, tmpDir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const cutoff = Date.now() - maxAgeMs;
    for (const name of names) {
      const file = path.join(dir, name);
      const s = await stat(file).catch(() => null);
      if (s && s.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  async close(): Promise<void> {}
}
