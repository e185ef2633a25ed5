import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { recomputedUsage } from '../../src/domain/quota/index.js';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { errorCode, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { until } from '../support/until.js';

interface QuotaBody {
  id: number;
  ref: { id: number; name: string; owner_name: string };
  hard: { storage: number };
  used: { storage: number };
}

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 'filesystem'],
] as const)('storage quotas (%s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'gc.timeWindowMinutes': 0 });
  let api: ApiClient;
  let db: DatabaseHandle;

  beforeAll(async () => {
    api = await adminApiClient(b.server.url);
    db = await connectDatabase(b.database.url);
  });
  afterAll(async () => {
    await db?.close();
  });

  const projectId = async (name: string) =>
    (await api.call<{ project_id: number }>('GET', `/projects/${name}`)).body.project_id;
  const quotaOf = async (name: string) => {
    const list = await api.call<QuotaBody[]>(
      'GET',
      `/quotas?reference=project&reference_id=${await projectId(name)}`,
    );
    expect(list.body).toHaveLength(1);
    return list.body[0] as QuotaBody;
  };

  it('counts each blob and manifest once per project, and refuses what would pass the limit', async () => {
    expect((await api.call('POST', '/projects', { project_name: 'q1', storage_limit: 10_000 })).status).toBe(
      201,
    );
    const quota = await quotaOf('q1');
    expect(quota).toMatchObject({
      ref: { name: 'q1', owner_name: 'admin' },
      hard: { storage: 10_000 },
      used: { storage: 0 },
    });
    expect((await api.call<QuotaBody>('GET', `/quotas/${quota.id}`)).body.id).toBe(quota.id);

    const shared = randomBytes(4000);
    await b.client.pushBlob('q1/a', shared);
    await b.client.pushBlob('q1/b', shared);
    const mount = await b.client.request(`/v2/q1/c/blobs/uploads/?mount=${sha256(shared)}&from=q1/a`, {
      method: 'POST',
    });
    expect(mount.status).toBe(201);
    expect((await quotaOf('q1')).used.storage).toBe(4000);

    const big = randomBytes(7000);
    const over = await b.client.request(`/v2/q1/a/blobs/uploads/?digest=${sha256(big)}`, {
      method: 'POST',
      body: big,
    });
    expect(over.status).toBe(403);
    expect(await over.json()).toEqual({
      errors: [
        {
          code: 'DENIED',
          message:
            'project q1: adding 6.8 KiB of storage resource, which when updated to current usage of 3.9 KiB will exceed the configured upper limit of 9.8 KiB.',
          detail: { project: 'q1', hard: 10_000, used: 4000, adding: 7000 },
        },
      ],
    });
    expect((await b.client.request(`/v2/q1/a/blobs/${sha256(big)}`, { method: 'HEAD' })).status).toBe(404);
    expect((await quotaOf('q1')).used.storage).toBe(4000);
    // The refusal is on the event bus: the audit log has it.
    await until(
      5_000,
      async () =>
        (
          await api.call<{ resource_type: string; operation: string }[]>(
            'GET',
            '/audit-logs?q=resource_type%3Dquota',
          )
        ).body.length > 0,
      'the quota event is audited',
    );

    // A manifest counts too: its own bytes (its blobs are there already).
    const image = await b.client.pushImage('q1/a', 'v1', { layers: ['small layer'] });
    const used = (await quotaOf('q1')).used.storage;
    expect(used).toBe(
      4000 +
        image.size +
        Buffer.byteLength('small layer') +
        Buffer.byteLength(
          JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
        ),
    );
    const summary = await api.call<{ quota: { hard: { storage: number }; used: { storage: number } } }>(
      'GET',
      '/projects/q1/summary',
    );
    expect(summary.body.quota).toEqual({ hard: { storage: 10_000 }, used: { storage: used } });
    expect(await recomputedUsage(db.db, await projectId('q1'))).toBe(used);

    // A manifest whose bytes do not fit is refused too.
    expect((await api.call('PUT', `/quotas/${quota.id}`, { hard: { storage: used + 10 } })).status).toBe(200);
    const tooBig = await b.client.pushManifest('q1/a', 'v2', {
      ...JSON.parse(image.body),
      annotations: { pad: 'x'.repeat(50) },
    });
    expect([tooBig.status, await errorCode(tooBig)]).toEqual([403, 'DENIED']);

    // Unlimited again: it goes through; deleting the manifest gives its bytes back at once.
    expect((await api.call('PUT', `/quotas/${quota.id}`, { hard: { storage: -1 } })).status).toBe(200);
    expect((await b.client.pushImage('q1/a', 'v3', { layers: [randomBytes(20_000)] })).size).toBeGreaterThan(
      0,
    );
    const before = (await quotaOf('q1')).used.storage;
    expect((await b.client.request(`/v2/q1/a/manifests/${image.digest}`, { method: 'DELETE' })).status).toBe(
      202,
    );
    expect((await quotaOf('q1')).used.storage).toBe(before - image.size);

    // GC frees the blobs nothing references any more, and the usage falls by what it freed.
    const gc = b.server.services.gc;
    const run = await gc.start(gc.parameters({}));
    await until(20_000, async () => (await gc.get(run)).status === 'Success', 'GC ends');
    const freed = (await gc.get(run)).result.freed_space ?? 0;
    expect(freed).toBeGreaterThan(4000);
    const after = (await quotaOf('q1')).used.storage;
    expect(after).toBe(await recomputedUsage(db.db, await projectId('q1')));
    expect(after).toBeLessThan(before - image.size);
  });

  it('answers Harbor errors, lets only system administrators set limits, and sorts', async () => {
    const quota = await quotaOf('q1');
    for (const [body, message] of [
      [{}, 'hard required in body'],
      [{ hard: {} }, 'hard required in body'],
      [{ hard: { count: 1 } }, 'resource count not support'],
      [{ hard: { storage: 0 } }, 'invalid value for resource storage'],
      [{ hard: { storage: -5 } }, 'invalid value for resource storage'],
    ] as const) {
      const res = await api.call('PUT', `/quotas/${quota.id}`, body);
      expect(res.status).toBe(400);
      expect(errorOf(res)?.message).toBe(message);
    }
    expect((await api.call('GET', '/quotas/424242')).status).toBe(404);
    expect((await api.anonymous().call('GET', '/quotas')).status).toBe(401);
    // A user's storage_limit is not theirs to choose: the default applies.
    expect(
      (
        await api.call('POST', '/users', {
          username: 'quser',
          email: 'q@example.com',
          realname: 'Q',
          password: 'Quser12345',
        })
      ).status,
    ).toBe(201);
    const user = api.as('quser', 'Quser12345');
    expect((await user.call('POST', '/projects', { project_name: 'q2', storage_limit: 5 })).status).toBe(201);
    expect((await quotaOf('q2')).hard.storage).toBe(-1);
    expect((await user.call('GET', '/quotas')).status).toBe(403);
    expect((await user.call('PUT', '/projects/q2', { storage_limit: 100 })).status).toBe(403);
    expect((await api.call('PUT', '/projects/q2', { storage_limit: 100 })).status).toBe(200);
    expect((await quotaOf('q2')).hard.storage).toBe(100);
    const sorted = await api.call<QuotaBody[]>('GET', '/quotas?sort=hard.storage');
    const hards = sorted.body.map((q) => q.hard.storage).map((h) => (h < 0 ? Number.MAX_SAFE_INTEGER : h));
    expect(hards).toEqual([...hards].sort((x, y) => x - y));
    expect((await api.call('GET', '/quotas?sort=bogus')).status).toBe(400);
  });

  it('stays exact under concurrent pushes, mounts, deletions and GC, and a limit is never passed', async () => {
    expect((await api.call('POST', '/projects', { project_name: 'q3', storage_limit: 60_000 })).status).toBe(
      201,
    );
    const pool = Array.from({ length: 8 }, () => randomBytes(randomInt(5_000, 20_000)));
    const repos = ['q3/a', 'q3/b', 'q3/c'];
    const gc = b.server.services.gc;
    let refusals = 0;
    const worker = async (n: number) => {
      for (let i = 0; i < 25; i++) {
        const repo = repos[randomInt(repos.length)] as string;
        const blob = pool[randomInt(pool.length)] as Buffer;
        const action = randomInt(10);
        if (action < 4) {
          const res = await b.client.request(`/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, {
            method: 'POST',
            body: blob,
          });
          expect([201, 403]).toContain(res.status);
          if (res.status === 403) refusals++;
        } else if (action < 6) {
          const res = await b.client.request(
            `/v2/${repo}/blobs/uploads/?mount=${sha256(blob)}&from=${repos[randomInt(repos.length)]}`,
            { method: 'POST' },
          );
          expect([201, 202, 403]).toContain(res.status);
        } else if (action < 8) {
          const res = await b.client.request(`/v2/${repo}/blobs/${sha256(blob)}`, { method: 'DELETE' });
          expect([202, 404]).toContain(res.status);
        } else if (action === 8) {
          await b.client.pushImage(repo, `w${n}-${i}`, { layers: [randomBytes(500)] }).catch(() => undefined);
        } else {
          const run = await gc.start(gc.parameters({ deleteUntagged: true }));
          await until(
            30_000,
            async () => ['Success', 'Error'].includes((await gc.get(run)).status),
            'GC ends',
          );
        }
        const { used, hard } = await usage();
        expect(used).toBeLessThanOrEqual(hard);
      }
    };
    const usage = async () => {
      const q = await quotaOf('q3');
      return { used: q.used.storage, hard: q.hard.storage };
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    // The limit (below what the pool holds) was met and refused pushes.
    expect(refusals).toBeGreaterThan(0);
    const id = await projectId('q3');
    expect((await usage()).used).toBe(await recomputedUsage(db.db, id));
    // Every shard is non-negative, and each digest the project holds is counted once.
    const shards = await db.db
      .selectFrom('quota_usage')
      .select('used')
      .where('project_id', '=', id)
      .execute();
    expect(shards.every((s) => Number(s.used) >= 0)).toBe(true);
  });
});
