import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentKeys } from '../../src/config/index.js';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { parseDigest } from '../../src/lib/digest.js';
import { blobKey, digestOfBlobKey, type StorageDriver } from '../../src/storage/index.js';
import { type Descriptor, errorCode, ociManifest, RegistryClient, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { spawnBerth } from '../support/process.js';
import { adminAuthorization, createProjects, testAdminPassword } from '../support/server.js';
import {
  createTestDatabase,
  createTestStorage,
  type DatabaseKind,
  type StorageKind,
  tempDir,
} from '../support/services.js';
import { until } from '../support/until.js';

const exec = promisify(execFile);

interface Pushed {
  readonly repo: string;
  readonly tag: string;
  readonly digest: string;
  readonly body: string;
  readonly blobs: ReadonlyMap<string, Buffer>;
}

/**
 * Pushes an image as clients do: a blob the registry says it has (HEAD 200) is not uploaded again,
 * so a GC between that HEAD and the manifest PUT makes the PUT fail (MANIFEST_BLOB_UNKNOWN); the
 * client then pushes the whole image again. Answers the pushed image and how many tries it took.
 */
async function pushLikeAClient(
  client: RegistryClient,
  repo: string,
  mountFrom: string,
  tag: string,
  blobs: readonly Buffer[],
): Promise<{ image: Pushed; tries: number }> {
  const [config, ...layers] = blobs.map((data) => ({ data, digest: sha256(data) }));
  const descriptor = (b: { data: Buffer; digest: string }, mediaType: string): Descriptor => ({
    mediaType,
    digest: b.digest,
    size: b.data.length,
  });
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: ociManifest,
    config: descriptor(
      config as { data: Buffer; digest: string },
      'application/vnd.oci.image.config.v1+json',
    ),
    layers: layers.map((l) => descriptor(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
  });
  for (let tries = 1; tries <= 10; tries++) {
    for (const blob of [config, ...layers] as { data: Buffer; digest: string }[]) {
      const head = await client.request(`/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (head.status === 200) continue;
      const mount = await client.request(
        `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${mountFrom}`,
        { method: 'POST' },
      );
      await mount.arrayBuffer();
      if (mount.status === 201) continue;
      await client.pushBlob(repo, blob.data);
    }
    const put = await client.pushManifest(repo, tag, JSON.parse(body));
    if (put.status === 201) {
      return {
        image: { repo, tag, digest: sha256(body), body, blobs: new Map(blobs.map((d) => [sha256(d), d])) },
        tries,
      };
    }
    const code = await errorCode(put);
    if (code !== 'MANIFEST_BLOB_UNKNOWN')
      throw new Error(`push of ${repo}:${tag} failed: ${put.status} ${code}`);
  }
  throw new Error(`push of ${repo}:${tag} did not succeed in 10 tries`);
}

const stressBackends: readonly [DatabaseKind, StorageKind][] = [
  ['sqlite', 'filesystem'],
  ['postgres', 's3'],
];

describe.each(stressBackends)(
  'garbage collection under concurrent pushes (%s, %s)',
  (databaseKind, storageKind) => {
    // No time window: only the protocol between sweep and link keeps pushed blobs safe.
    const b = useBackend(databaseKind, storageKind, { 'gc.timeWindowMinutes': 0 }, ['stress']);
    let db: DatabaseHandle;
    let storage: StorageDriver;

    beforeAll(async () => {
      db = await connectDatabase(b.database.url);
      storage = b.storage.create();
    });
    afterAll(async () => {
      await storage?.close();
      await db?.close();
    });

    /** Runs one GC through the service and waits for it to end. */
    async function collect(): Promise<void> {
      const gc = b.server.services.gc;
      const id = await gc.start(gc.parameters({ workers: 3, deleteUntagged: true }));
      await until(
        60_000,
        async () => ['Success', 'Error', 'Stopped'].includes((await gc.get(id)).status),
        'GC ends',
      );
      expect((await gc.get(id)).status).toBe('Success');
    }

    it('never deletes what a push links, and every image pushed pulls back byte for byte (skopeo)', async () => {
      const pool = Array.from({ length: 6 }, () => randomBytes(2048));
      const kept: Pushed[] = [];
      const deleted: Pushed[] = [];
      let retried = 0;
      let pushing = true;
      let completed = 0;
      const pusher = async (n: number) => {
        for (let i = 0; i < 15; i++) {
          // Each image shares two layers of the pool with others and has a config and a layer of its own.
          const blobs = [
            Buffer.from(JSON.stringify({ pusher: n, image: i, nonce: randomBytes(4).toString('hex') })),
            pool[(n + i) % pool.length] as Buffer,
            pool[(n + 2 * i + 1) % pool.length] as Buffer,
            randomBytes(1024 + i),
          ];
          const repo = `stress/app-${n}`;
          const { image, tries } = await pushLikeAClient(
            b.client,
            repo,
            `stress/app-${(n + 1) % 4}`,
            `v${i}`,
            blobs,
          );
          retried += tries - 1;
          completed++;
          // Every third image is deleted again at once: its own blobs become garbage, the shared ones not.
          if (i % 3 === 2) {
            const res = await b.client.request(`/v2/${repo}/manifests/${image.digest}`, { method: 'DELETE' });
            expect(res.status).toBe(202);
            deleted.push(image);
          } else kept.push(image);
        }
      };
      // Runs follow each other while pushes go on. With no window a run takes whatever a push has
      // uploaded but not yet referenced, so runs are spaced by a few finished pushes: a push races a
      // run now and then, and pushes again after it.
      const collector = async () => {
        let runs = 0;
        while (pushing || runs < 5) {
          await collect();
          runs++;
          const seen = completed;
          await until(60_000, async () => !pushing || completed >= seen + 3, 'pushes go on');
        }
        return runs;
      };
      const collecting = collector();
      await Promise.all([0, 1, 2, 3].map(pusher));
      pushing = false;
      expect(await collecting).toBeGreaterThanOrEqual(5);
      await collect();

      // Every kept image: its manifest and blobs byte for byte over HTTP, and a full copy by skopeo,
      // which checks every blob's digest.
      for (const image of kept) {
        const manifest = await b.client.request(`/v2/${image.repo}/manifests/${image.tag}`, {
          headers: { Accept: ociManifest },
        });
        expect(await manifest.text()).toBe(image.body);
        for (const [digest, data] of image.blobs) {
          const blob = await b.client.request(`/v2/${image.repo}/blobs/${digest}`);
          expect(Buffer.from(await blob.arrayBuffer()).equals(data)).toBe(true);
        }
      }
      const out = await mkdtemp(path.join(tmpdir(), 'berth-gc-stress-'));
      try {
        for (const n of [0, 1, 2, 3])
          await exec('skopeo', [
            '--insecure-policy',
            'sync',
            '--all',
            '--src',
            'docker',
            '--dest',
            'dir',
            '--src-tls-verify=false',
            '--src-creds',
            `admin:${testAdminPassword}`,
            `${new URL(b.server.url).host}/stress/app-${n}`,
            out,
          ]);
      } finally {
        await rm(out, { recursive: true, force: true });
      }

      // Storage holds exactly the blobs the remaining manifests reference (the window is 0), and the
      // database records exactly those.
      const referenced = new Set(
        (
          await db.db
            .selectFrom('manifest_references')
            .select('digest')
            .where('kind', '=', 'blob')
            .distinct()
            .execute()
        ).map((r) => r.digest),
      );
      const inStorage = new Set<string>();
      for await (const object of storage.list('blobs/')) {
        const digest = digestOfBlobKey(object.key);
        if (digest) inStorage.add(digest);
      }
      const rows = await db.db.selectFrom('blobs').select(['digest', 'deleting']).execute();
      expect([...inStorage].sort()).toEqual([...referenced].sort());
      expect(rows.map((r) => r.digest).sort()).toEqual([...referenced].sort());
      expect(rows.every((r) => r.deleting === 0)).toBe(true);
      for (const image of deleted) {
        const own = [...image.blobs.keys()].filter((d) => !kept.some((k) => k.blobs.has(d)));
        for (const digest of own) expect(inStorage.has(digest)).toBe(false);
      }
      // The run went on while pushes raced it (how often a push had to start again is luck; it is printed).
      console.log(
        `gc stress (${databaseKind}, ${storageKind}): ${kept.length} images kept, ${retried} retried pushes`,
      );
    }, 240_000);
  },
);

/** The BERTH_* variables that set the same keys as a config's overrides. */
function environmentOf(settings: Record<string, unknown>): Record<string, string> {
  const names = new Map(Object.entries(environmentKeys).map(([name, [key]]) => [key, name]));
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => {
      const name = names.get(key);
      if (!name) throw new Error(`no environment variable sets ${key}`);
      return [name, String(value)];
    }),
  );
}

describe.each(stressBackends)(
  'a garbage collection killed in the middle (%s, %s)',
  (databaseKind, storageKind) => {
    it('leaves nothing dangling, and the run is taken up again and finishes after a restart', async () => {
      const database = await createTestDatabase(databaseKind);
      const store = await createTestStorage(storageKind);
      const data = await tempDir('berth-gc-kill-');
      const env = {
        BERTH_DATA_DIR: data.dir,
        BERTH_DATABASE_URL: database.url,
        BERTH_GC_TIME_WINDOW_MINUTES: '0',
        // A job whose process died is claimed again after its lease: 5 s here, 10 minutes by default.
        BERTH_JOBS_LEASE_SECONDS: '5',
        ...environmentOf(store.settings),
      };
      const db = await connectDatabase(database.url);
      const storage = store.create();
      let server = await spawnBerth(env);
      try {
        await createProjects(server.url, ['kill']);
        const client = new RegistryClient(server.url, adminAuthorization);
        const image = await client.pushImage('kill/app', 'v1', {
          layers: [randomBytes(3000), randomBytes(3000)],
        });
        // 2,400 blobs that nothing references: three batches of the sweep.
        const loose: string[] = [];
        const queue = Array.from({ length: 2400 }, (_, i) =>
          Buffer.from(`loose blob ${i} ${randomBytes(8).toString('hex')}`),
        );
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let blob = queue.shift(); blob; blob = queue.shift())
              loose.push((await client.pushBlob('kill/app', blob)).digest);
          }),
        );
        const api = (url: string, path: string, init: RequestInit = {}) =>
          fetch(`${url}/api/v2.0${path}`, {
            ...init,
            headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
          });
        const started = await api(server.url, '/system/gc/schedule', {
          method: 'POST',
          body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { workers: 1 } }),
        });
        expect(started.status).toBe(201);
        const id = Number(started.headers.get('location')?.split('/').pop());
        const run = async (url: string) =>
          (await (await api(url, `/system/gc/${id}`)).json()) as {
            job_status: string;
            job_parameters: string;
          };
        // Killed once the run is under way: marked, deleting, or between batches.
        await until(30_000, async () => (await run(server.url)).job_status !== 'Pending', 'the run starts');
        server.child.kill('SIGKILL');
        await server.exited;
        const interrupted = await db.db
          .selectFrom('blobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();

        server = await spawnBerth(env);
        await until(60_000, async () => (await run(server.url)).job_status === 'Success', 'the run finishes');
        const log = await (await api(server.url, `/system/gc/${id}/log`)).text();
        expect(log).toContain('the run was interrupted (a restart): resuming it');

        // Nothing dangling: no blob left marked, every row has its data, no data without a row, and
        // exactly the image's blobs remain.
        const rows = await db.db.selectFrom('blobs').select(['digest', 'deleting']).execute();
        expect(rows.every((r) => r.deleting === 0)).toBe(true);
        const inStorage: string[] = [];
        for await (const object of storage.list('blobs/')) {
          const digest = digestOfBlobKey(object.key);
          if (digest) inStorage.push(digest);
        }
        const manifest = JSON.parse(image.body) as { config: Descriptor; layers: Descriptor[] };
        const expected = [manifest.config, ...manifest.layers].map((d) => d.digest).sort();
        expect(rows.map((r) => r.digest).sort()).toEqual(expected);
        expect(inStorage.sort()).toEqual(expected);
        expect(Number(interrupted.n)).toBeGreaterThan(expected.length);
        for (const digest of loose.slice(0, 20))
          expect(await storage.stat(blobKey(parseDigest(digest)))).toBeNull();
        const pulled = new RegistryClient(server.url, adminAuthorization);
        for (const layer of manifest.layers)
          expect(
            (await pulled.request(`/v2/kill/app/blobs/${layer.digest}`, { method: 'HEAD' })).status,
          ).toBe(200);
      } finally {
        server.child.kill('SIGKILL');
        await server.exited;
        await storage.close();
        await db.close();
        await store.stop();
        await database.drop();
        await data.remove();
      }
    }, 240_000);
  },
);
