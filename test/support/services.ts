import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import S3rver from 's3rver';
import {
  connectDatabase,
  type DatabaseHandle,
  type Dialect,
  migrateToLatest,
  WriteBatcher,
} from '../../src/db/index.js';
import { CacheSignals } from '../../src/domain/cache-signals.js';
import { FilesystemDriver, type StorageDriver } from '../../src/storage/index.js';
import { S3Driver } from '../../src/storage/s3.driver.js';

/** The PostgreSQL that tests use; setup (scripts/test-deps.sh) makes sure it answers, so tests never skip it. */
export const pgAdminUrl = process.env.BERTH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DatabaseKind = 'sqlite' | 'postgres';
export type StorageKind = 'filesystem' | 's3';

export async function tempDir(prefix = 'berth-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestDatabase {
  readonly url: string;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the given kind: a file for SQLite, a new database for PostgreSQL. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const { dir, remove } = await tempDir('berth-db-');
    const url = `sqlite:${path.join(dir, 'berth.db')}`;
    const handle = await connectDatabase(url);
    await migrateToLatest(handle);
    await handle.close();
    return { url, open: () => connectDatabase(url), drop: remove };
  }
  const name = `berth_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  const handle = await connectDatabase(url.toString());
  await migrateToLatest(handle);
  await handle.close();
  return {
    url: url.toString(),
    open: () => connectDatabase(url.toString()),
    drop: async () => {
      const client = new pg.Client({ connectionString: pgAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestStorage {
  readonly kind: StorageKind;
  /** Settings for a config's storage section that reach the same store. */
  readonly settings: Record<string, unknown>;
  create(): StorageDriver;
  stop(): Promise<void>;
}

/** A filesystem store in a temporary folder, or an s3rver on loopback with one bucket. */
export async function createTestStorage(kind: StorageKind): Promise<TestStorage> {
  const { dir, remove } = await tempDir('berth-storage-');
  if (kind === 'filesystem') {
    return {
      kind,
      settings: { 'storage.driver': 'filesystem', 'storage.filesystem.root': dir },
      create: () => new FilesystemDriver({ root: dir, fsync: false }),
      stop: remove,
    };
  }
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'berth', configs: [] }],
  });
  const address = (await server.run()) as unknown as AddressInfo;
  const s3 = {
    bucket: 'berth',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    prefix: 'registry',
    partSizeMiB: 5,
  };
  return {
    kind,
    settings: Object.fromEntries(
      Object.entries(s3)
        .map(([k, v]) => [`storage.s3.${k}`, v])
        .concat([['storage.driver', 's3']]),
    ),
    create: () => new S3Driver(s3),
    stop: async () => {
      await server.close();
      await remove();
    },
  };
}

/** What a service built directly (no server) needs besides the database, storage, logger and clock. */
export function testContextParts(handle: DatabaseHandle): {
  dialect: Dialect;
  signals: CacheSignals;
  writes: WriteBatcher;
} {
  return {
    dialect: handle.dialect,
    signals: testSignals(handle),
    writes: new WriteBatcher(handle.db, { combine: handle.dialect === 'sqlite', maxUnits: 32 }),
  };
}

/** Cache signals over a test database, for services built directly (no server). */
export function testSignals(handle: DatabaseHandle): CacheSignals {
  return new CacheSignals(handle.db, { pollMs: 1000, logger: pino({ level: 'silent' }) });
}
