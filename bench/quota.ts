/**
 * The quota phase of `npm run bench`: eight concurrent skopeo pushers, each its own image, into one
 * project with a storage quota, against eight into eight projects with a quota each (Harbor's users
 * report 15× for the first: goharbor/harbor#19918). Target: one project / separate ≤ 1.2, on SQLite
 * and on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BenchImage, layout } from './images.js';
import { exec, type Registry, skopeo, startBerth } from './processes.js';

const pushers = 8;
const rounds = 5;
const target = 1.2;
const layersPerImage = 20;
const layerBytes = 256 * 1024;
const quotaBytes = 10 * 1024 * 1024 * 1024;

async function createProject(registry: Registry, name: string): Promise<void> {
  const res = await fetch(`${registry.url}/api/v2.0/projects`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(registry.credentials as string).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ project_name: name, storage_limit: quotaBytes }),
  });
  if (res.status !== 201) throw new Error(`cannot create project ${name}: ${res.status}`);
}

/** Seconds for the eight pushes at once, each image to `destination(i)`. */
async function pushAll(
  registry: Registry,
  images: readonly BenchImage[],
  destination: (i: number) => string,
  work: string,
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    images.map((image, i) =>
      skopeo(
        [
          '--dest-tls-verify=false',
          '--dest-creds',
          registry.credentials as string,
          `oci:${image.dir}:latest`,
          `docker://${registry.host}/${destination(i)}:latest`,
        ],
        path.join(work, `pusher-${i}`),
      ),
    ),
  );
  return (performance.now() - started) / 1000;
}

async function measureOn(
  root: string,
  images: readonly BenchImage[],
  env: Record<string, string>,
  log: (line: string) => void,
  fresh: () => Promise<void> = async () => undefined,
): Promise<{ one: number; separate: number }> {
  const one: number[] = [];
  const separate: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Each round on a fresh Berth, so that no blob is there already.
    for (const kind of round % 2 ? (['one', 'separate'] as const) : (['separate', 'one'] as const)) {
      const work = await mkdtemp(path.join(tmpdir(), 'berth-bench-quota-'));
      await fresh();
      const registry = await startBerth(root, path.join(work, 'data'), env);
      try {
        if (kind === 'one') await createProject(registry, 'shared');
        else for (let i = 0; i < pushers; i++) await createProject(registry, `own${i}`);
        const seconds = await pushAll(
          registry,
          images,
          (i) => (kind === 'one' ? `shared/pusher${i}` : `own${i}/app`),
          work,
        );
        (kind === 'one' ? one : separate).push(seconds);
        log(
          `[quota] round ${round}, ${kind === 'one' ? 'one project' : 'separate projects'}: ${seconds.toFixed(2)} s`,
        );
      } finally {
        await registry.stop();
        await rm(work, { recursive: true, force: true });
      }
    }
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return { one: median(one), separate: median(separate) };
}

export async function quotaTable(
  root: string,
  cache: string,
  postgresUrl: string,
  log: (line: string) => void,
): Promise<{ lines: string[]; missed: number }> {
  const images = await Promise.all(
    Array.from({ length: pushers }, (_, i) =>
      layout(
        path.join(cache, `quota-${i}`),
        Array.from({ length: layersPerImage }, () => layerBytes),
        `quota-${i}`,
      ),
    ),
  );
  const sqlite = await measureOn(root, images, {}, log);
  // PostgreSQL: a database made anew before each registry starts, dropped at the end.
  const database = `berth_bench_quota_${process.pid}`;
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const drop = () => exec('psql', [postgresUrl, '-qc', `drop database if exists ${database} with (force)`]);
  let postgres: { one: number; separate: number };
  try {
    postgres = await measureOn(root, images, { BERTH_DATABASE_URL: url.toString() }, log, async () => {
      await drop();
      await exec('psql', [postgresUrl, '-qc', `create database ${database}`]);
    });
  } finally {
    await drop();
  }
  const rows = [
    ['SQLite', sqlite],
    ['PostgreSQL', postgres],
  ] as const;
  const lines = [
    '',
    `Quota: ${pushers} skopeo pushers at once, ${layersPerImage} layers of ${layerBytes / 1024} KiB each, into one project with a quota against ${pushers} projects with one each; medians of ${rounds} rounds`,
    '',
    '| database | one project | separate projects | one / separate | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  let missed = 0;
  for (const [name, m] of rows) {
    const ratio = m.one / m.separate;
    if (ratio > target) missed++;
    lines.push(
      `| ${name} | ${m.one.toFixed(2)} s | ${m.separate.toFixed(2)} s | ${ratio.toFixed(2)} | ≤ ${target} | ${ratio <= target ? 'yes' : 'NO'} |`,
    );
  }
  return { lines, missed };
}
