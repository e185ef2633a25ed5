import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { BlobService } from '../../src/domain/blob/index.js';
import { ProjectService } from '../../src/domain/project/index.js';
import { UploadService } from '../../src/domain/upload/index.js';
import { UserService } from '../../src/domain/user/index.js';
import type { StorageDriver } from '../../src/storage/index.js';
import { sha256, sha512 } from '../support/client.js';
import {
  createTestDatabase,
  createTestStorage,
  type TestDatabase,
  type TestStorage,
  testContextParts,
  testSignals,
} from '../support/services.js';

/** A driver that counts the service's own reads (not the driver's internal ones), to prove pushed bytes are hashed as they arrive. */
function counting(driver: StorageDriver): StorageDriver & { reads: string[] } {
  const reads: string[] = [];
  return {
    name: driver.name,
    reads,
    stat: (key) => driver.stat(key),
    read: (key, range, signal) => {
      reads.push(key);
      return driver.read(key, range, signal);
    },
    write: (key, source, signal) => driver.write(key, source, signal),
    concat: (key, sources) => driver.concat(key, sources),
    delete: (key) => driver.delete(key),
    deleteMany: (keys, concurrency) => driver.deleteMany(keys, concurrency),
    deletePrefix: (prefix) => driver.deletePrefix(prefix),
    list: (prefix) => driver.list(prefix),
    cleanup: (age) => driver.cleanup(age),
    close: () => driver.close(),
  };
}

describe('upload hashing', () => {
  let database: TestDatabase;
  let storage: TestStorage;
  let handle: DatabaseHandle;
  let driver: ReturnType<typeof counting>;
  let uploads: UploadService;
  const fresh = () => {
    const ctx = {
      db: handle.db,
      storage: driver,
      logger: pino({ level: 'silent' }),
      now: Date.now,
      ...testContextParts(handle),
    };
    return new UploadService(ctx, new BlobService(ctx), { ttlMs: 3_600_000, orphanGraceMs: 3_600_000 });
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    storage = await createTestStorage('filesystem');
    handle = await database.open();
    driver = counting(storage.create());
    uploads = fresh();
    // Pushes go into a project.
    const ctx = { db: handle.db, now: Date.now, signals: testSignals(handle) };
    const owner = await new UserService(ctx).create({ username: 'owner', password: 'Owner12345' });
    await new ProjectService(ctx).create('hash', owner.id, {});
  });
  afterAll(async () => {
    await handle.close();
    await storage.stop();
    await database.drop();
  });

  it('hashes chunks as they stream and never reads them back to complete', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const { id } = await uploads.start('hash/test');
    await uploads.append('hash/test', id, Readable.from([data.subarray(0, 1_000_000)]), {});
    await uploads.append('hash/test', id, Readable.from([data.subarray(1_000_000, 2_000_000)]), {});
    driver.reads.length = 0;
    await uploads.complete('hash/test', id, sha256(data), Readable.from([data.subarray(2_000_000)]), {});
    expect(driver.reads).toEqual([]);
  });

  it('completes a streamed upload with an empty PUT without reading it back', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const { id } = await uploads.start('hash/test');
    await uploads.append('hash/test', id, Readable.from([data]), {});
    driver.reads.length = 0;
    await uploads.complete('hash/test', id, sha256(data), undefined, {});
    expect(driver.reads).toEqual([]);
  });

  it('rebuilds the hash from storage when another process took the earlier chunks', async () => {
    const data = randomBytes(500_000);
    const { id } = await uploads.start('hash/test');
    await uploads.append('hash/test', id, Readable.from([data.subarray(0, 200_000)]), {});
    const other = fresh();
    driver.reads.length = 0;
    await other.complete('hash/test', id, sha256(data), Readable.from([data.subarray(200_000)]), {});
    expect(driver.reads).toHaveLength(1);
  });

  it('verifies sha512 digests by reading the bytes once', async () => {
    const data = randomBytes(100_000);
    const { id } = await uploads.start('hash/test');
    await uploads.append('hash/test', id, Readable.from([data]), {});
    driver.reads.length = 0;
    await uploads.complete('hash/test', id, sha512(data), undefined, {});
    expect(driver.reads).toHaveLength(1);
  });
});
