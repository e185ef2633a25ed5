/**
 * `npm run bench`: Berth and Debian's docker-registry (Distribution 2.8) side by side on this machine,
 * the same workload against each, alternating runs, each registry freshly started. Prints every
 * figure for both and the ratio Berth / docker-registry, with the issue's targets.
 *
 * Needs (as the tests do): skopeo, wrk, ab (apache2-utils), docker-registry. Options:
 *   --rounds N     alternating rounds (median reported; default 1)
 *   --duration S   seconds per request-rate phase (default 10)
 *   --huge-mib N   size of the memory-test layer (default 2048)
 *   --scan-mib N   size of the generated image the scanner is timed on (default 500; 20 layers)
 *   --scan-only    only the scanner figures (no registry comparison)
 *   --quota-only   only the quota phase (bench/quota.ts: 8 skopeo pushers, one project or eight)
 *   --gc-only      only the GC phase (bench/gc.ts: 10,000 unreferenced blobs, filesystem and s3rver)
 *   --scale-only   only the scale phase (bench/scale.ts: 100,000 artifacts, listing times, SQLite and PostgreSQL)
 *   --scale-factor F  size of the scale phase (default 1, the issue's; 0.1 for a quick run)
 *   --scale-db D   the scale phase on sqlite, postgres or both (default; comma separated)
 * The scale phase creates and drops a database on the PostgreSQL server at $BERTH_BENCH_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gcTable } from './gc.js';
import { type BenchImage, benchImages } from './images.js';
import {
  cpuSeconds,
  exec,
  peakRssMiB,
  type Registry,
  resetPeakRss,
  skopeo,
  startBerth,
  startReference,
} from './processes.js';
import { quotaTable } from './quota.js';
import { type ScaleDatabase, scaleTables } from './scale.js';
import { scanFigures } from './scan.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option('rounds', 1);
const duration = option('duration', 10);
const hugeMiB = option('huge-mib', 2048);
const scanMiB = option('scan-mib', 500);
const scanOnly = args.includes('--scan-only');
const scaleOnly = args.includes('--scale-only');
const gcOnly = args.includes('--gc-only');
const quotaOnly = args.includes('--quota-only');
const postgresUrl = process.env.BERTH_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const scaleFactor = option('scale-factor', 1);
const scaleDatabases = (() => {
  const i = args.indexOf('--scale-db');
  return (i >= 0 ? (args[i + 1] ?? '') : 'sqlite,postgres').split(',');
})();
const connections = 32;

type Metrics = Record<string, number>;

async function wrk(
  url: string,
  accept: string | undefined,
  work: string,
): Promise<{ rps: number; p99: number }> {
  const script = path.join(work, 'wrk.lua');
  await writeFile(
    script,
    `wrk.method = "GET"\n${accept ? `wrk.headers["Accept"] = "${accept}"\n` : ''}` +
      'done = function(s, lat, req)\n  io.write(string.format("WRKRESULT %d %d %.0f %d\\n", s.requests, s.duration, lat:percentile(99), s.errors.status + s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout))\nend\n',
  );
  await exec('wrk', ['-t2', `-c${connections}`, '-d2s', '-s', script, url]);
  const { stdout } = await exec('wrk', ['-t2', `-c${connections}`, `-d${duration}s`, '-s', script, url]);
  const [requests, micros, p99, errors] = (/WRKRESULT (.*)/.exec(stdout)?.[1] ?? '')
    .split(' ')
    .map(Number) as number[];
  if (errors) throw new Error(`wrk saw ${errors} errors on ${url}`);
  return { rps: (requests as number) / ((micros as number) / 1e6), p99: (p99 as number) / 1000 };
}

async function abHead(url: string): Promise<{ rps: number; p99: number }> {
  await exec('ab', ['-q', '-k', '-i', '-c', String(connections), '-t', '2', '-n', '100000000', url]);
  const { stdout } = await exec('ab', [
    '-q',
    '-k',
    '-i',
    '-c',
    String(connections),
    '-t',
    String(duration),
    '-n',
    '100000000',
    url,
  ]);
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  if (non2xx) throw new Error(`ab saw ${non2xx} non-2xx answers on ${url}`);
  return {
    rps: Number(/Requests per second:\s+([\d.]+)/.exec(stdout)?.[1]),
    p99: Number(/\s99%\s+(\d+)/.exec(stdout)?.[1]),
  };
}

async function pushTags(registry: Registry, repo: string, image: BenchImage, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const tag = `t${String(next++).padStart(5, '0')}`;
      const res = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, {
        method: 'PUT',
        body: image.manifestBody,
        headers: {
          'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
          ...(registry.credentials
            ? { Authorization: `Basic ${Buffer.from(registry.credentials).toString('base64')}` }
            : {}),
        },
      });
      if (res.status !== 201) throw new Error(`tag push answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function measure(
  registry: Registry,
  images: Awaited<ReturnType<typeof benchImages>>,
  work: string,
): Promise<Metrics> {
  const m: Metrics = {};
  const host = registry.host;
  const cpu = () => cpuSeconds(registry.pid);
  const dest = [
    '--dest-tls-verify=false',
    ...(registry.credentials ? ['--dest-creds', registry.credentials] : []),
  ];
  resetPeakRss(registry.pid);
  let c0 = cpu();
  const mib = images.large.bytes / 1048576;
  m.push_large =
    mib /
    (await skopeo([...dest, `oci:${images.large.dir}:latest`, `docker://${host}/bench/large:latest`], work));
  m.push_large_cpu_ms_per_mib = ((cpu() - c0) * 1000) / mib;
  c0 = cpu();
  const pulled = path.join(work, `pull-${registry.name}`);
  m.pull_large =
    mib /
    (await skopeo(
      [
        '--src-tls-verify=false',
        '--dest-oci-accept-uncompressed-layers',
        `docker://${host}/bench/large:latest`,
        `oci:${pulled}:latest`,
      ],
      work,
    ));
  m.pull_large_cpu_ms_per_mib = ((cpu() - c0) * 1000) / mib;
  await rm(pulled, { recursive: true, force: true });
  m.push_many_small = await skopeo(
    [...dest, `oci:${images.small.dir}:latest`, `docker://${host}/bench/small:latest`],
    work,
  );

  await skopeo([...dest, `oci:${images.tiny.dir}:latest`, `docker://${host}/bench/tags:seed`], work);
  let started = performance.now();
  await pushTags(registry, 'bench/tags', images.tiny, 1000);
  m.tag_put_rps = 1000 / ((performance.now() - started) / 1000);

  c0 = cpu();
  const manifest = await wrk(
    `${registry.url}/v2/bench/large/manifests/latest`,
    'application/vnd.oci.image.manifest.v1+json',
    work,
  );
  m.manifest_get_rps = manifest.rps;
  m.manifest_get_p99_ms = manifest.p99;
  const small = images.small.layers[0]?.digest as string;
  const head = await abHead(`${registry.url}/v2/bench/small/blobs/${small}`);
  m.blob_head_rps = head.rps;
  m.blob_head_p99_ms = head.p99;
  const tagsRes = await fetch(`${registry.url}/v2/bench/tags/tags/list?n=100`);
  m.tags_list_returned = ((await tagsRes.json()) as { tags: string[] }).tags.length;
  const tags = await wrk(`${registry.url}/v2/bench/tags/tags/list?n=100`, undefined, work);
  m.tags_list_rps = tags.rps;
  m.tags_list_p99_ms = tags.p99;
  m.peak_rss_mib = peakRssMiB(registry.pid);

  // Memory with one very large layer: push and pull it, reading the peak over just that.
  resetPeakRss(registry.pid);
  started = performance.now();
  const hugeMib = images.huge.bytes / 1048576;
  m.huge_push =
    hugeMib /
    (await skopeo([...dest, `oci:${images.huge.dir}:latest`, `docker://${host}/bench/huge:latest`], work));
  const hugePulled = path.join(work, `huge-${registry.name}`);
  m.huge_pull =
    hugeMib /
    (await skopeo(
      [
        '--src-tls-verify=false',
        '--dest-oci-accept-uncompressed-layers',
        `docker://${host}/bench/huge:latest`,
        `oci:${hugePulled}:latest`,
      ],
      work,
    ));
  await rm(hugePulled, { recursive: true, force: true });
  m.huge_peak_rss_mib = peakRssMiB(registry.pid);
  return m;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;

interface Row {
  metric: string;
  unit: string;
  /** How Berth / reference compares with the target: a minimum ratio, or an absolute bound on Berth's figure. */
  target?: { ratioAtLeast?: number; berthAtMost?: number };
  lowerIsBetter?: boolean;
}

const rows: Row[] = [
  { metric: 'push_large', unit: 'MiB/s', target: { ratioAtLeast: 1.0 } },
  { metric: 'push_large_cpu_ms_per_mib', unit: 'ms', lowerIsBetter: true },
  { metric: 'pull_large', unit: 'MiB/s', target: { ratioAtLeast: 1.0 } },
  { metric: 'pull_large_cpu_ms_per_mib', unit: 'ms', lowerIsBetter: true },
  { metric: 'push_many_small', unit: 's', lowerIsBetter: true, target: { ratioAtLeast: 1.0 } },
  { metric: 'tag_put_rps', unit: 'req/s' },
  { metric: 'manifest_get_rps', unit: 'req/s', target: { ratioAtLeast: 3 } },
  { metric: 'manifest_get_p99_ms', unit: 'ms', lowerIsBetter: true, target: { berthAtMost: 30 } },
  { metric: 'blob_head_rps', unit: 'req/s', target: { ratioAtLeast: 3 } },
  { metric: 'blob_head_p99_ms', unit: 'ms', lowerIsBetter: true, target: { berthAtMost: 30 } },
  { metric: 'tags_list_rps', unit: 'req/s', target: { ratioAtLeast: 3 } },
  { metric: 'tags_list_p99_ms', unit: 'ms', lowerIsBetter: true, target: { berthAtMost: 30 } },
  { metric: 'tags_list_returned', unit: 'tags' },
  { metric: 'peak_rss_mib', unit: 'MiB', lowerIsBetter: true, target: { berthAtMost: 200 } },
  { metric: 'huge_push', unit: 'MiB/s' },
  { metric: 'huge_pull', unit: 'MiB/s' },
  { metric: 'huge_peak_rss_mib', unit: 'MiB', lowerIsBetter: true, target: { berthAtMost: 200 } },
];

/** The scanner's figures (no reference registry scans): time and peak memory per image, with the issue's targets. */
async function scanTable(cache: string): Promise<{ lines: string[]; failed: number }> {
  const figures = await scanFigures(root, cache, scanMiB, 20);
  const lines = [
    '',
    `Scanner (built-in; layers streamed from an OCI layout; matching against ../shared/vulndb when present)`,
    '',
    '| image | size | layers | scan time | packages | findings | peak RSS | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let failed = 0;
  for (const f of figures) {
    const generated = f.image.startsWith('generated');
    const met = generated ? f.ms < 5000 && f.peakRssMiB < 250 : undefined;
    if (met === false) failed++;
    lines.push(
      `| ${f.image} | ${f.sizeMiB} MiB | ${f.layers} | ${(f.ms / 1000).toFixed(2)} s | ${f.packages} | ${f.findings} | ${f.peakRssMiB.toFixed(0)} MiB | ${generated ? '< 5 s, < 250 MB' : ''} | ${met === undefined ? '' : met ? 'yes' : 'NO'} |`,
    );
  }
  return { lines, failed };
}

/** The scale phase on each chosen database. */
function scaleTable(): Promise<{ lines: string[]; missed: number }> {
  if (!(scaleFactor > 0)) throw new Error('--scale-factor must be a positive number');
  const databases = scaleDatabases.filter((d): d is ScaleDatabase => d === 'sqlite' || d === 'postgres');
  if (databases.length === 0 || databases.length !== scaleDatabases.length)
    throw new Error('--scale-db takes sqlite, postgres or sqlite,postgres');
  return scaleTables(
    {
      root,
      factor: scaleFactor,
      databases,
      postgresUrl,
    },
    (line) => console.error(line),
  );
}

async function main(): Promise<void> {
  if (quotaOnly) {
    if (!existsSync(path.join(root, 'dist/cli/index.js')))
      throw new Error('run npm run build first (npm run bench does)');
    const quota = await quotaTable(root, path.join(root, '.bench', 'cache'), postgresUrl, (line) =>
      console.error(line),
    );
    console.log(
      [...quota.lines, '', quota.missed ? `${quota.missed} target(s) not met` : 'all targets met'].join('\n'),
    );
    return;
  }
  if (gcOnly) {
    if (!existsSync(path.join(root, 'dist/cli/index.js')))
      throw new Error('run npm run build first (npm run bench does)');
    const gc = await gcTable(root, (line) => console.error(line));
    console.log(
      [...gc.lines, '', gc.missed ? `${gc.missed} target(s) not met` : 'all targets met'].join('\n'),
    );
    return;
  }
  if (scaleOnly) {
    if (!existsSync(path.join(root, 'dist/cli/index.js')))
      throw new Error('run npm run build first (npm run bench does)');
    const scale = await scaleTable();
    console.log(
      [...scale.lines, '', scale.missed ? `${scale.missed} target(s) not met` : 'all targets met'].join('\n'),
    );
    return;
  }
  if (scanOnly) {
    const scan = await scanTable(path.join(root, '.bench', 'cache'));
    console.log(
      [...scan.lines, '', scan.failed ? `${scan.failed} target(s) not met` : 'all targets met'].join('\n'),
    );
    return;
  }
  for (const tool of ['skopeo', 'wrk', 'ab', 'docker-registry']) {
    await exec('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is not installed (apt-get install skopeo wrk apache2-utils docker-registry)`);
    });
  }
  if (!existsSync(path.join(root, 'dist/cli/index.js')))
    throw new Error('run npm run build first (npm run bench does)');
  const cache = path.join(root, '.bench', 'cache');
  console.error(`[bench] preparing images in ${cache} (deterministic, generated once)`);
  const images = await benchImages(cache, hugeMiB);
  const results: Record<string, Metrics[]> = { berth: [], 'docker-registry': [] };
  for (let round = 1; round <= rounds; round++) {
    for (const name of round % 2 ? ['docker-registry', 'berth'] : ['berth', 'docker-registry']) {
      const work = await mkdtemp(path.join(tmpdir(), 'berth-bench-'));
      const registry =
        name === 'berth'
          ? await startBerth(root, path.join(work, 'data'))
          : await startReference(path.join(work, 'data'));
      try {
        console.error(`[bench] round ${round}: ${name} (pid ${registry.pid}) at ${registry.url}`);
        const metrics = await measure(registry, images, work);
        results[name]?.push(metrics);
        console.error(
          `[bench] ${name}: ${JSON.stringify(metrics, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))}`,
        );
      } finally {
        await registry.stop();
        await rm(work, { recursive: true, force: true });
      }
    }
  }
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const lines = [
    `Berth vs Distribution 2.8 (docker-registry), ${rounds} round(s), medians; ${connections} connections, ${duration}s per rate; node ${process.version}, ${(await exec('nproc')).stdout.trim()} cores`,
    '',
    '| metric | unit | berth | docker-registry | berth / docker-registry | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  let failed = 0;
  for (const row of rows) {
    const berth = median(results.berth?.map((m) => m[row.metric] as number) ?? []);
    const reference = median(results['docker-registry']?.map((m) => m[row.metric] as number) ?? []);
    const ratio = row.lowerIsBetter ? reference / berth : berth / reference;
    let target = '';
    let met = '';
    if (row.target?.ratioAtLeast !== undefined) {
      target = `≥ ${row.target.ratioAtLeast}×${row.lowerIsBetter ? ' (inverse)' : ''}`;
      met = ratio >= row.target.ratioAtLeast ? 'yes' : 'NO';
    }
    if (row.target?.berthAtMost !== undefined) {
      target = `berth ≤ ${row.target.berthAtMost}`;
      met = berth <= row.target.berthAtMost ? 'yes' : 'NO';
    }
    if (met === 'NO') failed++;
    lines.push(
      `| ${row.metric} | ${row.unit} | ${fmt(berth)} | ${fmt(reference)} | ${ratio.toFixed(2)}×${row.lowerIsBetter ? ' (ref/berth)' : ''} | ${target} | ${met} |`,
    );
  }
  const scan = await scanTable(cache);
  lines.push(...scan.lines);
  failed += scan.failed;
  const gc = await gcTable(root, (line) => console.error(line));
  lines.push(...gc.lines);
  failed += gc.missed;
  const quota = await quotaTable(root, cache, postgresUrl, (line) => console.error(line));
  lines.push(...quota.lines);
  failed += quota.missed;
  const scale = await scaleTable();
  lines.push(...scale.lines);
  failed += scale.missed;
  lines.push('', failed ? `${failed} target(s) not met` : 'all targets met');
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
