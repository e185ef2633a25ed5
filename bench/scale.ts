/**
 * The scale phase of `npm run bench` (`--scale-only` runs just it): a fresh Berth, once on SQLite and
 * once on PostgreSQL, is seeded through /v2 with 100 projects × 10 repositories × 90 artifacts plus
 * one repository of 10,000 artifacts, then each listing the portal and clients use is timed with 20
 * sequential requests (after 2 warm-ups) and printed beside the issue's targets: seeding ≥ 1,000
 * manifests/s, every median under 50 ms and every maximum under 200 ms. Each answer is checked (status
 * 200, the counts the seed implies), so an empty or wrong answer fails rather than passes; a request
 * that takes longer than a minute is abandoned and its metric reported as failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { peakRssMiB, type Registry, resetPeakRss, startBerth } from './processes.js';
import { Client, expectStatus, json, RegistryTokens } from './scale-http.js';
import { probes, settle, type Timing, tagFilterTarget, tagsMatching, time } from './scale-probes.js';
import { Seeder, type SeedFigures } from './scale-seed.js';
import {
  bigProject,
  projectName,
  type Shape,
  shapeOf,
  targets,
  timedRequests,
  warmUps,
} from './scale-shape.js';

export type ScaleDatabase = 'sqlite' | 'postgres';

export interface ScaleOptions {
  readonly root: string;
  /** 1 is the issue's size; 0.1 seeds a tenth of the projects and of the big repository. */
  readonly factor: number;
  readonly databases: readonly ScaleDatabase[];
  /** A PostgreSQL server (any database on it) where a fresh database is created for each run. */
  readonly postgresUrl: string;
}

// ---------------------------------------------------------------------------------------------------
// One database, then the report.

interface DatabaseRun {
  readonly database: ScaleDatabase;
  readonly seed?: SeedFigures;
  readonly timings: readonly Timing[];
  readonly notes: readonly string[];
  readonly peakRssMiB?: number;
  readonly error?: string;
}

async function withPostgres<T>(serverUrl: string, run: (url: string) => Promise<T>): Promise<T> {
  const name = `berth_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await run(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Work between seeding and the timed requests; returns a note for the report, if any. */
type AfterSeeding = () => Promise<string | undefined>;

/**
 * Plans depend on table statistics, which PostgreSQL's autovacuum gathers in the background as
 * tables grow (within about a minute of 100,000 new rows). A server with autovacuum off (as this
 * machine's test server is) never gathers them; this does once what autovacuum would have done.
 */
async function analyzeWithoutAutovacuum(url: string): Promise<string | undefined> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ autovacuum: string }>('SHOW autovacuum');
    if (rows[0]?.autovacuum !== 'off') return undefined;
    await db.query('ANALYZE');
    return 'autovacuum is off on this PostgreSQL server: the phase ran ANALYZE once after seeding, as autovacuum would have';
  } finally {
    await db.end();
  }
}

async function runOn(
  database: ScaleDatabase,
  options: ScaleOptions,
  shape: Shape,
  log: (line: string) => void,
): Promise<DatabaseRun> {
  const work = await mkdtemp(path.join(tmpdir(), 'berth-scale-'));
  const measure = async (env: Record<string, string>, afterSeeding?: AfterSeeding): Promise<DatabaseRun> => {
    const registry = await startBerth(options.root, path.join(work, 'data'), env);
    const client = new Client(registry.url);
    try {
      return await measureOn(database, registry, client, shape, log, afterSeeding);
    } finally {
      client.close();
      await registry.stop();
    }
  };
  try {
    return database === 'sqlite'
      ? await measure({})
      : await withPostgres(options.postgresUrl, (url) =>
          measure({ BERTH_DATABASE_URL: url }, () => analyzeWithoutAutovacuum(url)),
        );
  } catch (error) {
    return { database, timings: [], notes: [], error: (error as Error).message };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function measureOn(
  database: ScaleDatabase,
  registry: Registry,
  client: Client,
  shape: Shape,
  log: (line: string) => void,
  afterSeeding?: AfterSeeding,
): Promise<DatabaseRun> {
  const [user, password] = (registry.credentials ?? '').split(':') as [string, string];
  const login = await client.send('POST', '/c/login', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `principal=${encodeURIComponent(user)}&password=${encodeURIComponent(password)}`,
  });
  expectStatus(login, 200, 'POST /c/login');
  const session = `Bearer ${json<{ token: string }>(login).token}`;
  const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const tokens = await RegistryTokens.discover(client, basic);

  resetPeakRss(registry.pid);
  const loadAtStart = loadavg()[0] as number;
  log(`[scale] ${database}: seeding (pid ${registry.pid})`);
  const seeder = new Seeder(client, tokens, session, `${projectName(0)}/r0`);
  let seed: SeedFigures;
  try {
    seed = await seeder.seed(shape, registry.pid);
  } catch (error) {
    return { database, timings: [], notes: [], error: `seeding failed: ${(error as Error).message}` };
  }
  log(
    `[scale] ${database}: ${seed.manifests} manifests in ${seed.seconds.toFixed(1)} s (the big repository ${seed.bigSeconds.toFixed(1)} s); CPU: Berth ${seed.berthCpuSeconds.toFixed(1)} s, client ${seed.clientCpuSeconds.toFixed(1)} s`,
  );
  // Audit records and pull counts are written in batches; let them land.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const notes: string[] = [];
  const analyzed = await afterSeeding?.();
  if (analyzed) notes.push(analyzed);
  if (seed.mountFallbacks) notes.push(`${seed.mountFallbacks} blob mount(s) answered 202 and were uploaded`);
  const matching = tagsMatching(shape.bigArtifacts);
  const filter = await tagFilterTarget(
    client,
    `/api/v2.0/projects/${bigProject}/repositories/app/artifacts`,
    session,
    matching,
  );
  notes.push(filter.note);
  await settle(client);
  const timings: Timing[] = [];
  for (const probe of probes(shape, session, tokens, filter.target)) {
    const timing = await time(client, probe);
    timings.push(timing);
    log(
      `[scale] ${database}: ${probe.metric}: ${timing.failure ? `FAILED ${timing.failure}` : `median ${fmtMs(median(timing.samples))}, max ${fmtMs(Math.max(...timing.samples))}`}`,
    );
    if (timing.failure) await settle(client);
  }
  notes.push(
    `load average (1 min) ${loadAtStart.toFixed(1)} when seeding began, ${(loadavg()[0] as number).toFixed(1)} after the last timed request, on ${availableParallelism()} cores`,
  );
  return { database, seed, timings, notes, peakRssMiB: peakRssMiB(registry.pid) };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
const fmtMs = (ms: number) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
const fmtRate = (n: number) => `${Math.round(n).toLocaleString('en')} manifests/s`;

function table(run: DatabaseRun, shape: Shape): { lines: string[]; missed: number } {
  const total =
    shape.projects * shape.repositoriesPerProject * shape.artifactsPerRepository + shape.bigArtifacts;
  const lines = [
    '',
    `Scale, ${run.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${shape.projects} projects × ${shape.repositoriesPerProject} repositories × ${shape.artifactsPerRepository} artifacts + one repository of ${shape.bigArtifacts.toLocaleString('en')} (${total.toLocaleString('en')} artifacts); ${timedRequests} sequential requests per metric after ${warmUps} warm-ups`,
    '',
    '| metric | median | max | target | met |',
    '| --- | --- | --- | --- | --- |',
  ];
  if (run.error) {
    lines.push(`| (run) | ${run.error.replaceAll('|', '\\|')} | | | MISSING |`);
    return { lines, missed: 1 };
  }
  let missed = 0;
  if (run.seed) {
    const rate = run.seed.manifests / run.seed.seconds;
    const met = rate >= targets.seedPerSecond;
    if (!met) missed++;
    lines.push(
      `| seeding, all ${run.seed.manifests.toLocaleString('en')} manifests (${run.seed.seconds.toFixed(1)} s) | ${fmtRate(rate)} | | ≥ ${fmtRate(targets.seedPerSecond)} | ${met ? 'ok' : 'MISSING'} |`,
      `| seeding, the ${shape.bigArtifacts.toLocaleString('en')}-artifact repository alone (${run.seed.bigSeconds.toFixed(1)} s) | ${fmtRate(shape.bigArtifacts / run.seed.bigSeconds)} | | (part of the above) | |`,
      `| Berth's CPU per seeded manifest (the client's) | ${fmtMs((run.seed.berthCpuSeconds * 1000) / run.seed.manifests)} (${fmtMs((run.seed.clientCpuSeconds * 1000) / run.seed.manifests)}) | | | |`,
    );
  }
  for (const t of run.timings) {
    const target = `< ${targets.medianMs} ms, max < ${targets.maxMs} ms`;
    if (t.failure) {
      missed++;
      lines.push(`| ${t.metric} | failed: ${t.failure.replaceAll('|', '\\|')} | | ${target} | MISSING |`);
      continue;
    }
    const med = median(t.samples);
    const max = Math.max(...t.samples);
    const short =
      t.samples.length < timedRequests
        ? ` (${t.samples.length} of ${timedRequests}: over the time budget)`
        : '';
    const met = t.samples.length === timedRequests && med < targets.medianMs && max < targets.maxMs;
    if (!met) missed++;
    lines.push(
      `| ${t.metric}${short} | ${fmtMs(med)} | ${fmtMs(max)} | ${target} | ${met ? 'ok' : 'MISSING'} |`,
    );
  }
  if (run.peakRssMiB !== undefined)
    lines.push(`| Berth's peak RSS over the phase | ${run.peakRssMiB.toFixed(0)} MiB | | | |`);
  for (const note of run.notes) lines.push('', `Note: ${note}.`);
  return { lines, missed };
}

/** Seeds and times Berth on each database in turn; the tables and how many targets were missed. */
export async function scaleTables(
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<{ lines: string[]; missed: number }> {
  const shape = shapeOf(options.factor);
  const lines: string[] = [];
  let missed = 0;
  for (const database of options.databases) {
    const result = table(await runOn(database, options, shape, log), shape);
    lines.push(...result.lines);
    missed += result.missed;
  }
  return { lines, missed };
}
