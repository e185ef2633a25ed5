import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { parseDigest } from '../../src/lib/digest.js';
import { blobKey, type StorageDriver } from '../../src/storage/index.js';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { type Descriptor, ociIndex, ociManifest, sha256 } from '../support/client.js';
import { backends, useBackend } from '../support/matrix.js';
import { until } from '../support/until.js';

interface History {
  id: number;
  job_name: string;
  job_kind: string;
  job_parameters: string;
  job_status: string;
  schedule: { type: string; cron?: string };
}

/** Starts a GC through Harbor's API and waits for it to end; answers the execution and its log. */
async function runGc(
  api: ApiClient,
  parameters: Record<string, unknown> = {},
): Promise<{ run: History; result: Record<string, number | boolean>; log: string }> {
  const started = await api.call('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters });
  expect(started.status).toBe(201);
  const location = started.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/v2\.0\/system\/gc\/\d+$/);
  const id = Number(location.split('/').pop());
  let run: History | undefined;
  await until(
    30_000,
    async () => {
      run = (await api.call<History>('GET', `/system/gc/${id}`)).body;
      return ['Success', 'Error', 'Stopped'].includes(run.job_status);
    },
    `GC ${id} ends`,
  );
  const log = await api.call<string>('GET', `/system/gc/${id}/log`);
  expect(log.status).toBe(200);
  const ended = run as History;
  return { run: ended, result: JSON.parse(ended.job_parameters), log: log.body };
}

describe.each(backends)('garbage collection (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'gc.timeWindowMinutes': 0 }, ['gc', 'untag']);
  let api: ApiClient;
  let db: DatabaseHandle;
  let storage: StorageDriver;

  beforeAll(async () => {
    api = await adminApiClient(b.server.url);
    db = await connectDatabase(b.database.url);
    storage = b.storage.create();
  });
  afterAll(async () => {
    await storage?.close();
    await db?.close();
  });

  const stored = async (digest: string) => (await storage.stat(blobKey(parseDigest(digest)))) !== null;
  const statistics = async () =>
    (await api.call<{ total_storage_consumption: number }>('GET', '/statistics')).body
      .total_storage_consumption;

  it('frees what no manifest references, keeps what one does, and the images still pull', async () => {
    const shared = randomBytes(2000);
    const onlyA = randomBytes(3000);
    const onlyB = randomBytes(4000);
    const a = await b.client.pushImage('gc/app', 'a', { layers: [shared, onlyA], config: { a: 1 } });
    const image = await b.client.pushImage('gc/app', 'b', { layers: [shared, onlyB], config: { b: 1 } });
    const loose = await b.client.pushBlob('gc/app', randomBytes(5000));
    const aManifest = JSON.parse(a.body) as { config: Descriptor; layers: Descriptor[] };
    const bManifest = JSON.parse(image.body) as { config: Descriptor; layers: Descriptor[] };
    expect((await b.client.request(`/v2/gc/app/manifests/${a.digest}`, { method: 'DELETE' })).status).toBe(
      202,
    );
    const before = await statistics();

    const { run, result, log } = await runGc(api);
    expect(run).toMatchObject({ job_name: 'GARBAGE_COLLECTION', job_kind: 'MANUAL', job_status: 'Success' });
    expect(run.schedule.type).toBe('Manual');
    // A's config and own layer, and the loose blob, are gone; the shared layer and B's are kept.
    const freed = [aManifest.config, aManifest.layers[1] as Descriptor, loose];
    expect(result).toMatchObject({
      delete_untagged: false,
      dry_run: false,
      workers: 1,
      time_window: 0,
      purged_blobs: 3,
      purged_manifests: 0,
      freed_space: freed.reduce((sum, d) => sum + d.size, 0),
    });
    for (const d of freed) {
      expect(await stored(d.digest)).toBe(false);
      expect(log).toContain(`delete blob from storage: ${d.digest}`);
      expect((await b.client.request(`/v2/gc/app/blobs/${d.digest}`, { method: 'HEAD' })).status).toBe(404);
    }
    for (const d of [bManifest.config, ...bManifest.layers]) expect(await stored(d.digest)).toBe(true);
    expect(log).toContain('success to run gc in job.');
    expect(await statistics()).toBe(before - (result.freed_space as number));

    // B pulls back byte for byte.
    const pulled = await b.client.request('/v2/gc/app/manifests/b', { headers: { Accept: ociManifest } });
    expect(await pulled.text()).toBe(image.body);
    for (const [layer, bytes] of [
      [bManifest.layers[0], shared],
      [bManifest.layers[1], onlyB],
    ] as const) {
      const blob = await b.client.request(`/v2/gc/app/blobs/${layer?.digest}`);
      expect(Buffer.from(await blob.arrayBuffer()).equals(bytes)).toBe(true);
    }
    // A blob deleted by GC can be pushed again.
    await b.client.pushBlob('gc/app', onlyA);
    expect(await stored(sha256(onlyA))).toBe(true);
    await runGc(api);
  });

  it('in a dry run deletes nothing and reports what a run would free', async () => {
    const loose = await b.client.pushBlob('gc/dry', randomBytes(1234));
    const { run, result, log } = await runGc(api, { dry_run: true });
    expect(run.job_status).toBe('Success');
    expect(result).toMatchObject({ dry_run: true, purged_blobs: 1, freed_space: 1234 });
    expect(log).toContain(`blob eligible for deletion: ${loose.digest}`);
    expect(log).toContain('1 blobs and 0 manifests eligible for deletion');
    expect(await stored(loose.digest)).toBe(true);
    expect((await b.client.request(`/v2/gc/dry/blobs/${loose.digest}`, { method: 'HEAD' })).status).toBe(200);
    await runGc(api);
  });

  it('with delete_untagged deletes untagged artifacts and what exists only for them', async () => {
    const tagged = await b.client.pushImage('untag/app', 'v1', { layers: [randomBytes(100)] });
    const untaggedLayer = randomBytes(700);
    const untagged = await b.client.pushImage('untag/app', 'tmp', {
      layers: [untaggedLayer],
      config: { u: 1 },
    });
    expect((await b.client.request('/v2/untag/app/manifests/tmp', { method: 'DELETE' })).status).toBe(202);
    // A signature-like accessory of the untagged artifact, and one of the tagged artifact.
    const accessory = async (subject: Descriptor & { body: string }) => {
      const config = await b.client.pushBlob('untag/app', '{}', 'application/vnd.oci.empty.v1+json');
      const layer = await b.client.pushBlob('untag/app', randomBytes(50));
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: ociManifest,
        artifactType: 'application/vnd.example.sig',
        config,
        layers: [layer],
        subject: { mediaType: ociManifest, digest: subject.digest, size: subject.size },
      });
      const res = await b.client.request(`/v2/untag/app/manifests/${sha256(body)}`, {
        method: 'PUT',
        body,
        headers: { 'Content-Type': ociManifest },
      });
      expect(res.status).toBe(201);
      return sha256(body);
    };
    const untaggedSig = await accessory(untagged);
    const taggedSig = await accessory(tagged);
    // A tagged index whose untagged child must stay.
    const child = await b.client.pushImage('untag/app', 'child', { layers: [randomBytes(60)] });
    expect((await b.client.request('/v2/untag/app/manifests/child', { method: 'DELETE' })).status).toBe(202);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [{ mediaType: ociManifest, digest: child.digest, size: child.size }],
    });
    expect((await b.client.pushManifest('untag/app', 'multi', JSON.parse(index), ociIndex)).status).toBe(201);

    const { result, log } = await runGc(api, { delete_untagged: true, workers: 2 });
    expect(result.purged_manifests).toBe(2);
    expect(log).toContain(`RepositoryName(untag/app)-MediaType:(${ociManifest})-Digest:(${untagged.digest})`);
    const status = (digest: string) =>
      b.client.request(`/v2/untag/app/manifests/${digest}`, { method: 'HEAD' }).then((r) => r.status);
    expect(await status(untagged.digest)).toBe(404);
    expect(await status(untaggedSig)).toBe(404);
    expect(await status(tagged.digest)).toBe(200);
    expect(await status(taggedSig)).toBe(200);
    expect(await status(child.digest)).toBe(200);
    // The untagged artifact's blobs went in the same run.
    expect(await stored(sha256(untaggedLayer))).toBe(false);
  });

  it('keeps an untagged artifact whose accessory carries an immutable tag', async () => {
    const rule = await api.call('POST', '/projects/untag/immutabletagrules', {
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'sig-*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    });
    expect(rule.status).toBe(201);
    const subject = await b.client.pushImage('untag/signed', 'tmp', { layers: [randomBytes(80)] });
    expect((await b.client.request('/v2/untag/signed/manifests/tmp', { method: 'DELETE' })).status).toBe(202);
    const config = await b.client.pushBlob('untag/signed', '{}', 'application/vnd.oci.empty.v1+json');
    const signature = {
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: 'application/vnd.example.sig',
      config,
      layers: [await b.client.pushBlob('untag/signed', randomBytes(40))],
      subject: { mediaType: ociManifest, digest: subject.digest, size: subject.size },
    };
    expect((await b.client.pushManifest('untag/signed', 'sig-1', signature)).status).toBe(201);
    const { log } = await runGc(api, { delete_untagged: true });
    expect(log).toContain(`kept the untagged artifact`);
    const head = await b.client.request(`/v2/untag/signed/manifests/${subject.digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(
      (await api.call('DELETE', rule.headers.get('location')?.replace('/api/v2.0', '') ?? '')).status,
    ).toBe(200);
  });

  it('finishes the deletions of a run interrupted by a crash, and an upload waits them out', async () => {
    const data = randomBytes(4321);
    const blob = await b.client.pushBlob('gc/crash', data);
    // As a run killed after marking the blob: the mark stays, the data and the row too.
    await db.db.updateTable('blobs').set({ deleting: 1 }).where('digest', '=', blob.digest).execute();
    expect((await b.client.request(`/v2/gc/crash/blobs/${blob.digest}`, { method: 'HEAD' })).status).toBe(
      404,
    );
    // An upload of the same bytes waits until the marked blob is gone, then stores it anew.
    const upload = b.client.pushBlob('gc/crash2', data);
    const { log } = await runGc(api);
    expect(log).toContain('resuming 1 blobs marked for deletion by an interrupted run');
    await upload;
    expect(await stored(blob.digest)).toBe(true);
    const got = await b.client.request(`/v2/gc/crash2/blobs/${blob.digest}`);
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    await runGc(api);
  });

  it('removes blob data that no record names (an upload stopped between writing and recording it)', async () => {
    const data = randomBytes(999);
    const digest = sha256(data);
    await storage.write(blobKey(parseDigest(digest)), Readable.from([data]));
    const { result, log } = await runGc(api);
    expect(log).toContain(`blob data that no record names: ${digest}`);
    expect(result.purged_blobs).toBeGreaterThanOrEqual(1);
    expect(await stored(digest)).toBe(false);
    expect(await db.db.selectFrom('blobs').select('digest').where('digest', '=', digest).execute()).toEqual(
      [],
    );
  });

  it('lists executions with paging, and answers Harbor errors for bad requests', async () => {
    const list = await api.call<History[]>('GET', '/system/gc?page=1&page_size=2');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    expect(Number(list.headers.get('x-total-count'))).toBeGreaterThanOrEqual(5);
    expect(list.body[0]?.id).toBeGreaterThan(list.body[1]?.id ?? 0);
    const ok = await api.call<History[]>('GET', '/system/gc?q=job_status%3DSuccess&page_size=100');
    expect(ok.body.every((r) => r.job_status === 'Success')).toBe(true);

    for (const [workers, message] of [
      [0, 'Error: Invalid number of workers:0. Workers must be greater than 0 and less than or equal to 5.'],
      [6, 'Error: Invalid number of workers:6. Workers must be greater than 0 and less than or equal to 5.'],
      [1.5, 'workers should be integer format'],
    ] as const) {
      const res = await api.call('POST', '/system/gc/schedule', {
        schedule: { type: 'Manual' },
        parameters: { workers },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.message).toBe(message);
    }
    expect((await api.call('GET', '/system/gc/999999')).status).toBe(404);
    expect(errorOf(await api.call('GET', '/system/gc/999999/log'))?.message).toBe(
      'garbage collection execution 999999 not found',
    );
    expect((await api.call('PUT', '/system/gc/999999')).status).toBe(404);
    expect((await api.anonymous().call('GET', '/system/gc')).status).toBe(401);
    // Stopping a run that ended leaves it as it was.
    const id = list.body[0]?.id as number;
    expect((await api.call('PUT', `/system/gc/${id}`)).status).toBe(200);
    expect((await api.call<History>('GET', `/system/gc/${id}`)).body.job_status).toBe('Success');
  });

  it('keeps one schedule with its parameters, replaced by a new one and removed by None', async () => {
    const raw = async () => {
      const res = await fetch(`${b.server.url}/api/v2.0/system/gc/schedule`, {
        headers: { Authorization: `Basic ${Buffer.from('admin:Admin12345').toString('base64')}` },
      });
      return { status: res.status, text: await res.text() };
    };
    expect(await raw()).toEqual({ status: 200, text: '' });
    const set = await api.call('POST', '/system/gc/schedule', {
      schedule: { type: 'Daily', cron: '0 0 0 * * *' },
      parameters: { delete_untagged: true, workers: 3 },
    });
    expect(set.status).toBe(201);
    const replaced = await api.call('POST', '/system/gc/schedule', {
      schedule: { type: 'Custom', cron: '0 30 2 * * *' },
      parameters: { delete_untagged: false, workers: 2 },
    });
    expect(replaced.status).toBe(201);
    const schedule = await api.call<History & { schedule: { next_scheduled_time: string } }>(
      'GET',
      '/system/gc/schedule',
    );
    expect(schedule.body).toMatchObject({
      job_kind: '0 30 2 * * *',
      schedule: { type: 'Custom', cron: '0 30 2 * * *' },
    });
    expect(JSON.parse(schedule.body.job_parameters)).toEqual({
      delete_untagged: false,
      dry_run: false,
      workers: 2,
    });
    expect(new Date(schedule.body.schedule.next_scheduled_time).getUTCHours()).toBe(2);
    expect(b.server.services.gcSchedules.armedCron).toBe('0 30 2 * * *');
    const bad = await api.call('PUT', '/system/gc/schedule', {
      schedule: { type: 'Custom', cron: '0 0 * * *' },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)?.message).toMatch(/^invalid cron string for scheduled gc: 0 0 \* \* \*, error: /);
    expect((await api.call('PUT', '/system/gc/schedule', { schedule: { type: 'None' } })).status).toBe(200);
    expect(await raw()).toEqual({ status: 200, text: '' });
    expect(b.server.services.gcSchedules.armedCron).toBeUndefined();
  });
});

describe('garbage collection inside the time window (sqlite, filesystem)', () => {
  const b = useBackend('sqlite', 'filesystem', {}, ['window']);

  it('keeps blobs uploaded within the window, and untagged artifacts pushed within it', async () => {
    const api = await adminApiClient(b.server.url);
    const loose = await b.client.pushBlob('window/app', randomBytes(300));
    const image = await b.client.pushImage('window/app', 'tmp', { layers: [randomBytes(400)] });
    expect((await b.client.request('/v2/window/app/manifests/tmp', { method: 'DELETE' })).status).toBe(202);
    const { result } = await runGc(api, { delete_untagged: true });
    expect(result).toMatchObject({ purged_blobs: 0, purged_manifests: 0, time_window: 2 });
    expect((await b.client.request(`/v2/window/app/blobs/${loose.digest}`, { method: 'HEAD' })).status).toBe(
      200,
    );
    expect(
      (await b.client.request(`/v2/window/app/manifests/${image.digest}`, { method: 'HEAD' })).status,
    ).toBe(200);
  });
});
