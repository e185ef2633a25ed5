/**
 * The GC phase of `npm run bench`: 10,000 blobs no manifest references and 1,000 that 100 images
 * reference, garbage-collected by Berth on the filesystem and on s3rver (online, through Harbor's
 * API, with no time window), and by Distribution 2.8 on the filesystem (`docker-registry
 * garbage-collect`, offline: the registry is stopped first) as the reference. Target: each Berth
 * run under 30 s on this machine; its peak RSS is printed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { exec, peakRssMiB, type Registry, resetPeakRss, startBerth, startReference } from './processes.js';
import { Client, expectStatus, json, RegistryTokens } from './scale-http.js';

const images = 100;
const blobsPerImage = 10;
const loose = 10_000;
const concurrency = 16;
const targetSeconds = 30;

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Seeded {
  /** Blobs the images reference (config and layers). */
  readonly referenced: string[];
}

/** Pushes the images and the loose blobs; Berth with Bearer tokens, the reference anonymously. */
async function seed(registry: Registry): Promise<Seeded> {
  const client = new Client(registry.url);
  const basic = registry.credentials
    ? `Basic ${Buffer.from(registry.credentials).toString('base64')}`
    : undefined;
  const tokens = basic ? await RegistryTokens.discover(client, basic) : undefined;
  const repository = 'bench/gc';
  const auth = async (): Promise<Record<string, string>> =>
    tokens ? { Authorization: await tokens.header([`repository:${repository}:pull,push`]) } : {};
  const pushBlob = async (data: Buffer) => {
    const digest = sha256(data);
    const answer = await client.send('POST', `/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      headers: { ...(await auth()), 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    if (answer.status === 202) {
      // Distribution takes no monolithic POST: the upload is finished with a PUT.
      const given = answer.headers.location as string;
      const location = given.startsWith('http') ? given.slice(new URL(given).origin.length) : given;
      const put = await client.send(
        'PUT',
        `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`,
        {
          headers: { ...(await auth()), 'Content-Type': 'application/octet-stream' },
          body: data,
        },
      );
      expectStatus(put, 201, 'a blob upload');
    } else expectStatus(answer, 201, 'a blob upload');
    return digest;
  };
  const parallel = async (count: number, work: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) await work(i);
      }),
    );
  };
  const referenced: string[] = [];
  await parallel(images, async (i) => {
    const blobs = Array.from({ length: blobsPerImage }, (_, j) =>
      Buffer.from(`image ${i} blob ${j} ${randomBytes(512).toString('hex')}`),
    );
    const digests: string[] = [];
    for (const blob of blobs) digests.push(await pushBlob(blob));
    referenced.push(...digests);
    const descriptor = (k: number, mediaType: string) => ({
      mediaType,
      digest: digests[k],
      size: (blobs[k] as Buffer).length,
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor(0, 'application/vnd.oci.image.config.v1+json'),
      layers: blobs.slice(1).map((_, k) => descriptor(k + 1, 'application/vnd.oci.image.layer.v1.tar+gzip')),
    });
    const put = await client.send('PUT', `/v2/${repository}/manifests/v${i}`, {
      headers: { ...(await auth()), 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expectStatus(put, 201, 'a manifest push');
  });
  await parallel(loose, async (i) => {
    await pushBlob(Buffer.from(`loose blob ${i} ${randomBytes(512).toString('hex')}`));
  });
  client.close();
  return { referenced };
}

interface BerthGc {
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly purged: number;
}

/** One manual GC through Harbor's API, timed from the request to the run's end. */
async function collect(registry: Registry): Promise<BerthGc> {
  const client = new Client(registry.url);
  const headers = {
    Authorization: `Basic ${Buffer.from(registry.credentials as string).toString('base64')}`,
    'Content-Type': 'application/json',
  };
  resetPeakRss(registry.pid);
  const started = performance.now();
  const answer = await client.send('POST', '/api/v2.0/system/gc/schedule', {
    headers,
    body: JSON.stringify({ schedule: { type: 'Manual' }, parameters: { workers: 1 } }),
  });
  expectStatus(answer, 201, 'starting GC');
  const id = String(answer.headers.location).split('/').pop();
  for (;;) {
    const run = json<{ job_status: string; job_parameters: string }>(
      await client.send('GET', `/api/v2.0/system/gc/${id}`, { headers }),
    );
    if (run.job_status === 'Success') {
      const seconds = (performance.now() - started) / 1000;
      client.close();
      const { purged_blobs } = JSON.parse(run.job_parameters) as { purged_blobs: number };
      return { seconds, peakRssMiB: peakRssMiB(registry.pid), purged: purged_blobs };
    }
    if (['Error', 'Stopped'].includes(run.job_status)) throw new Error(`GC ended ${run.job_status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every referenced blob is still served after the run. */
async function checkKept(registry: Registry, referenced: readonly string[]): Promise<void> {
  const client = new Client(registry.url);
  const tokens = await RegistryTokens.discover(
    client,
    `Basic ${Buffer.from(registry.credentials as string).toString('base64')}`,
  );
  const authorization = await tokens.header(['repository:bench/gc:pull']);
  for (const digest of referenced) {
    const head = await client.send('HEAD', `/v2/bench/gc/blobs/${digest}`, {
      headers: { Authorization: authorization },
    });
    expectStatus(head, 200, `HEAD of kept blob ${digest}`);
  }
  client.close();
}

async function berthOn(
  root: string,
  storage: 'filesystem' | 's3',
  log: (line: string) => void,
): Promise<BerthGc> {
  const work = await mkdtemp(path.join(tmpdir(), `berth-bench-gc-${storage}-`));
  let s3: S3rver | undefined;
  try {
    const env: Record<string, string> = { BERTH_GC_TIME_WINDOW_MINUTES: '0' };
    if (storage === 's3') {
      s3 = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: path.join(work, 's3'),
        configureBuckets: [{ name: 'berth', configs: [] }],
      });
      const address = (await s3.run()) as unknown as AddressInfo;
      Object.assign(env, {
        BERTH_STORAGE: 's3',
        BERTH_S3_BUCKET: 'berth',
        BERTH_S3_REGION: 'us-east-1',
        BERTH_S3_ENDPOINT: `http://127.0.0.1:${address.port}`,
        BERTH_S3_ACCESS_KEY_ID: 'S3RVER',
        BERTH_S3_SECRET_ACCESS_KEY: 'S3RVER',
        BERTH_S3_FORCE_PATH_STYLE: 'true',
      });
    }
    const berth = await startBerth(root, path.join(work, 'data'), env);
    try {
      log(
        `[gc] berth on ${storage} (pid ${berth.pid}): seeding ${images * blobsPerImage} referenced and ${loose} unreferenced blobs`,
      );
      const { referenced } = await seed(berth);
      const result = await collect(berth);
      if (result.purged !== loose) throw new Error(`GC freed ${result.purged} blobs, not ${loose}`);
      await checkKept(berth, referenced);
      log(
        `[gc] berth on ${storage}: ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMiB.toFixed(0)} MiB`,
      );
      return result;
    } finally {
      await berth.stop();
    }
  } finally {
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Distribution's offline GC of the same shape on the filesystem, timed (the registry stopped). */
async function reference(log: (line: string) => void): Promise<number> {
  const work = await mkdtemp(path.join(tmpdir(), 'berth-bench-gc-reference-'));
  try {
    const dir = path.join(work, 'data');
    const registry = await startReference(dir);
    try {
      log(`[gc] docker-registry (pid ${registry.pid}): seeding`);
      await seed(registry);
    } finally {
      await registry.stop();
    }
    const started = performance.now();
    await exec('docker-registry', ['garbage-collect', path.join(dir, 'config.yml')], { maxBuffer: 1 << 28 });
    const seconds = (performance.now() - started) / 1000;
    log(`[gc] docker-registry garbage-collect: ${seconds.toFixed(1)} s`);
    return seconds;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function gcTable(
  root: string,
  log: (line: string) => void,
): Promise<{ lines: string[]; missed: number }> {
  const fs = await berthOn(root, 'filesystem', log);
  const s3 = await berthOn(root, 's3', log);
  const distribution = await reference(log);
  const met = (seconds: number) => (seconds < targetSeconds ? 'yes' : 'NO');
  return {
    lines: [
      '',
      `GC: ${loose.toLocaleString('en')} unreferenced blobs deleted, ${(images * blobsPerImage).toLocaleString('en')} referenced kept (${images} images), no time window, 1 worker`,
      '',
      '| store | Berth (online) | Berth peak RSS | Distribution 2.8 (offline, registry stopped) | Distribution / Berth | target | met |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| filesystem | ${fs.seconds.toFixed(1)} s | ${fs.peakRssMiB.toFixed(0)} MiB | ${distribution.toFixed(1)} s | ${(distribution / fs.seconds).toFixed(2)}× | < ${targetSeconds} s | ${met(fs.seconds)} |`,
      `| s3rver | ${s3.seconds.toFixed(1)} s | ${s3.peakRssMiB.toFixed(0)} MiB | | | < ${targetSeconds} s | ${met(s3.seconds)} |`,
    ],
    missed: [fs.seconds, s3.seconds].filter((s) => s >= targetSeconds).length,
  };
}
