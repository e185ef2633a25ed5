import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, sha256 } from '../support/client.js';
import { backends } from '../support/matrix.js';
import { spawnBerth } from '../support/process.js';
import { adminAuthorization, createProjects, startTestServer } from '../support/server.js';
import {
  createTestDatabase,
  createTestStorage,
  type TestDatabase,
  type TestStorage,
  tempDir,
} from '../support/services.js';

async function patch(client: RegistryClient, location: string, chunk: Buffer, offset: number) {
  return client.request(location, {
    method: 'PATCH',
    body: chunk,
    headers: {
      'Content-Range': `${offset}-${offset + chunk.length - 1}`,
      'Content-Length': String(chunk.length),
    },
  });
}

describe.each(backends)('uploads across restarts and replicas (%s, %s)', (databaseKind, storageKind) => {
  let database: TestDatabase;
  let storage: TestStorage;
  beforeAll(async () => {
    database = await createTestDatabase(databaseKind);
    storage = await createTestStorage(storageKind);
    const setup = await startTestServer(database, storage);
    await createProjects(setup.url, ['restart', 'replicas', 'stale']);
    await setup.close();
  });
  afterAll(async () => {
    await storage.stop();
    await database.drop();
  });

  it('continues a chunked upload after the server restarts', async () => {
    const data = randomBytes(1_500_000);
    const first = await startTestServer(database, storage);
    const client1 = new RegistryClient(first.url, adminAuthorization);
    const location = (await client1.request('/v2/restart/blobs/uploads/', { method: 'POST' })).headers.get(
      'location',
    ) as string;
    expect((await patch(client1, location, data.subarray(0, 600_000), 0)).status).toBe(202);
    await first.close();

    const second = await startTestServer(database, storage);
    const client2 = new RegistryClient(second.url, adminAuthorization);
    const status = await client2.request(location);
    expect(status.headers.get('range')).toBe('0-599999');
    expect((await patch(client2, location, data.subarray(600_000), 600_000)).status).toBe(202);
    const put = await client2.request(`${location}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const get = await client2.request(`/v2/restart/blobs/${sha256(data)}`);
    expect(sha256(Buffer.from(await get.arrayBuffer()))).toBe(sha256(data));
    await second.close();
  });

  it('lets replicas share one upload, chunk by chunk', async () => {
    const replicas = [await startTestServer(database, storage), await startTestServer(database, storage)];
    const clients = replicas.map((r) => new RegistryClient(r.url, adminAuthorization));
    const data = randomBytes(900_000);
    const location = (
      await clients[0]?.request('/v2/replicas/blobs/uploads/', { method: 'POST' })
    )?.headers.get('location') as string;
    for (let i = 0, offset = 0; offset < data.length; i++, offset += 100_000) {
      const client = clients[i % 2] as RegistryClient;
      expect((await patch(client, location, data.subarray(offset, offset + 100_000), offset)).status).toBe(
        202,
      );
    }
    const put = await clients[1]?.request(`${location}?digest=${sha256(data)}`, { method: 'PUT' });
    expect(put?.status).toBe(201);
    const get = await clients[0]?.request(`/v2/replicas/blobs/${sha256(data)}`);
    expect(sha256(Buffer.from((await get?.arrayBuffer()) as ArrayBuffer))).toBe(sha256(data));
    for (const replica of replicas) await replica.close();
  });

  it('expires abandoned uploads and their data at start', async () => {
    const server = await startTestServer(database, storage);
    const client = new RegistryClient(server.url, adminAuthorization);
    const location = (await client.request('/v2/stale/blobs/uploads/', { method: 'POST' })).headers.get(
      'location',
    ) as string;
    await patch(client, location, Buffer.from('abandoned'), 0);
    await server.close();
    const later = await startTestServer(database, storage, { 'registry.uploadTtlHours': 1e-9 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await new RegistryClient(later.url, adminAuthorization).request(location);
    expect(res.status).toBe(404);
    const driver = storage.create();
    const left: string[] = [];
    for await (const object of driver.list(`uploads/${location.split('/').pop()}/`)) left.push(object.key);
    await driver.close();
    expect(left).toEqual([]);
    await later.close();
  });
});

describe('a server killed with SIGKILL in the middle of uploads', () => {
  it('keeps committed blobs, exposes no partial one, and cleans up on the next start', async () => {
    const { dir, remove } = await tempDir('berth-kill-');
    const env = { BERTH_DATA_DIR: dir, BERTH_ORPHAN_GRACE_MINUTES: '0', BERTH_FS_FSYNC: 'true' };
    try {
      const first = await spawnBerth(env);
      await createProjects(first.url, ['crash']);
      const client = new RegistryClient(first.url, adminAuthorization);
      const committed = await client.pushBlob('crash/test', randomBytes(200_000));

      // A chunked upload with one chunk in, and a second chunk streaming when the process dies.
      const location = (
        await client.request('/v2/crash/test/blobs/uploads/', { method: 'POST' })
      ).headers.get('location') as string;
      const chunk = randomBytes(100_000);
      expect((await patch(client, location, chunk, 0)).status).toBe(202);
      const partial = randomBytes(8 * 1024 * 1024);
      let sent = 0;
      const abort = new AbortController();
      const aborted = new Promise((resolve) => abort.signal.addEventListener('abort', resolve));
      const slow = new ReadableStream({
        async pull(controller) {
          if (sent >= 4 * 1024 * 1024) {
            await aborted;
            return;
          }
          controller.enqueue(partial.subarray(sent, sent + 256 * 1024));
          sent += 256 * 1024;
        },
      });
      const streaming = client
        .request(location, {
          method: 'PATCH',
          body: slow,
          duplex: 'half',
          signal: abort.signal,
        } as RequestInit)
        .catch((error: unknown) => error);
      // A monolithic push of a blob that also never finishes.
      const mono = client
        .request(`/v2/crash/test/blobs/uploads/?digest=${sha256(partial)}`, {
          method: 'POST',
          body: new ReadableStream({
            start(controller) {
              controller.enqueue(partial.subarray(0, 1024 * 1024));
            },
          }),
          duplex: 'half',
          signal: abort.signal,
        } as RequestInit)
        .catch((error: unknown) => error);
      while (sent < 4 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      abort.abort();
      await Promise.all([streaming, mono]);
      const tmpBefore = await readdir(path.join(dir, 'storage', '_tmp')).catch(() => []);
      expect(tmpBefore.length).toBeGreaterThan(0);

      const second = await spawnBerth(env);
      const after = new RegistryClient(second.url, adminAuthorization);
      const get = await after.request(`/v2/crash/test/blobs/${committed.digest}`);
      expect(sha256(Buffer.from(await get.arrayBuffer()))).toBe(committed.digest);
      expect(
        (await after.request(`/v2/crash/test/blobs/${sha256(partial)}`, { method: 'HEAD' })).status,
      ).toBe(404);
      // The interrupted chunk left the upload where it was; the client can resume it.
      const status = await after.request(location);
      expect(status.headers.get('range')).toBe('0-99999');
      const rest = randomBytes(50_000);
      expect((await patch(after, location, rest, 100_000)).status).toBe(202);
      const whole = Buffer.concat([chunk, rest]);
      expect((await after.request(`${location}?digest=${sha256(whole)}`, { method: 'PUT' })).status).toBe(
        201,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await readdir(path.join(dir, 'storage', '_tmp'))).toEqual([]);
      const uploads = await readdir(path.join(dir, 'storage', 'uploads')).catch(() => []);
      expect(uploads).toEqual([]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await remove();
    }
  });
});

describe('SIGTERM', () => {
  it('lets in-flight uploads finish, then exits 0 without waiting for kept-alive connections', async () => {
    const { dir, remove } = await tempDir('berth-term-');
    try {
      // Far beyond the test's timeout: the exit below must not wait for the client's kept-alive
      // connection (the PATCH's, idle once it is answered) to time out.
      const server = await spawnBerth({ BERTH_DATA_DIR: dir, BERTH_SHUTDOWN_TIMEOUT_SECONDS: '600' });
      await createProjects(server.url, ['drain']);
      const client = new RegistryClient(server.url, adminAuthorization);
      const location = (await client.request('/v2/drain/blobs/uploads/', { method: 'POST' })).headers.get(
        'location',
      ) as string;
      const data = randomBytes(2 * 1024 * 1024);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let sent = 0;
      const body = new ReadableStream({
        async pull(controller) {
          if (sent === 1024 * 1024) await gate;
          if (sent >= data.length) {
            controller.close();
            return;
          }
          controller.enqueue(data.subarray(sent, sent + 256 * 1024));
          sent += 256 * 1024;
        },
      });
      const inFlight = client.request(location, { method: 'PATCH', body, duplex: 'half' } as RequestInit);
      while (sent < 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 20));
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.child.exitCode).toBeNull();
      release();
      const res = await inFlight;
      expect(res.status).toBe(202);
      expect(res.headers.get('range')).toBe(`0-${data.length - 1}`);
      expect(await server.exited).toBe(0);
    } finally {
      await remove();
    }
  });
});
