/**
 * The scale phase of `npm run bench` (`--scale-only` runs just it): a fresh Berth, once on SQLite and
 * once on PostgreSQL, is seeded through /v2 with 100 projects × 10 repositories × 90 artifacts plus
 * one repository of 10,000 artifacts, then each listing the portal and clients use is timed with 20
 * sequential requests (after 2 warm-ups) and printed beside the issue's targets: seeding ≥ 1,000
 * manifests/s, every median under 50 ms and every maximum under 200 ms. Each answer is checked (status
 * 200, the counts the seed implies), so an empty or wrong answer fails rather than passes; a request
 * that takes longer than a minute is abandoned and its metric reported as failed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { cpuSeconds, peakRssMiB, type Registry, resetPeakRss, startBerth } from './processes.js';

export type ScaleDatabase = 'sqlite' | 'postgres';

export interface ScaleOptions {
  readonly root: string;
  /** 1 is the issue's size; 0.1 seeds a tenth of the projects and of the big repository. */
  readonly factor: number;
  readonly databases: readonly ScaleDatabase[];
  /** A PostgreSQL server (any database on it) where a fresh database is created for each run. */
  readonly postgresUrl: string;
}

const targets = { seedPerSecond: 1000, medianMs: 50, maxMs: 200 };
const timedRequests = 20;
const warmUps = 2;
const requestTimeoutMs = 60_000;
/** A metric whose requests together take longer than this stops early (it misses its targets anyway). */
const metricBudgetMs = 180_000;
const pushConcurrency = 24;
const pageSize = 10;

interface Shape {
  readonly projects: number;
  readonly repositoriesPerProject: number;
  readonly artifactsPerRepository: number;
  readonly bigArtifacts: number;
}

function shapeOf(factor: number): Shape {
  return {
    projects: Math.max(1, Math.round(100 * factor)),
    repositoriesPerProject: 10,
    artifactsPerRepository: 90,
    bigArtifacts: Math.max(pageSize + 1, Math.round(10_000 * factor)),
  };
}

const projectName = (p: number) => `p${String(p).padStart(3, '0')}`;
const bigProject = 'big';
const bigRepository = `${bigProject}/app`;
const tagFilter = 'v99';

// ---------------------------------------------------------------------------------------------------
// HTTP: keep-alive connections, a body read whole, a hard timeout.

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** From sending the request to the last byte of the answer. */
  readonly ms: number;
}

interface Send {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly base: string) {}

  send(method: string, target: string, init: Send = {}): Promise<Answer> {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(`${this.base}${target}`, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          });
        });
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${requestTimeoutMs / 1000} s`)),
        requestTimeoutMs,
      );
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(init.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status)
    throw new Error(`${what} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`);
}

const json = <T>(answer: Answer): T => JSON.parse(answer.body.toString()) as T;

interface HeldToken {
  readonly token: string;
  readonly renewAt: number;
}

/** Registry tokens from /service/token with the admin's Basic credentials, one per scope set, renewed before they expire. */
class RegistryTokens {
  private readonly cache = new Map<string, Promise<HeldToken>>();

  constructor(
    private readonly client: Client,
    private readonly basic: string,
    private readonly service: string,
  ) {}

  static async discover(client: Client, basic: string): Promise<RegistryTokens> {
    const challenge = (await client.send('GET', '/v2/')).headers['www-authenticate'] ?? '';
    const service = /service="([^"]*)"/.exec(challenge)?.[1];
    if (!service) throw new Error(`GET /v2/ gave no Bearer challenge (${challenge})`);
    return new RegistryTokens(client, basic, service);
  }

  /** `Bearer <token>` covering the scopes (`repository:<name>:pull,push`, `registry:catalog:*`). */
  async header(scopes: readonly string[]): Promise<string> {
    const key = scopes.join(' ');
    const cached = this.cache.get(key);
    const held = cached && (await cached);
    if (held && held.renewAt > Date.now()) return `Bearer ${held.token}`;
    // Concurrent callers share one renewal.
    if (this.cache.get(key) === cached) this.cache.set(key, this.issue(key, scopes));
    return `Bearer ${(await this.cache.get(key))?.token}`;
  }

  forget(scopes: readonly string[]): void {
    this.cache.delete(scopes.join(' '));
  }

  private issue(key: string, scopes: readonly string[]): Promise<HeldToken> {
    const query = [`service=${encodeURIComponent(this.service)}`]
      .concat(scopes.map((s) => `scope=${encodeURIComponent(s)}`))
      .join('&');
    const pending = this.client
      .send('GET', `/service/token?${query}`, { headers: { Authorization: this.basic } })
      .then((answer) => {
        expectStatus(answer, 200, 'the token service');
        const { token, expires_in } = json<{ token: string; expires_in: number }>(answer);
        return { token, renewAt: Date.now() + Math.max(10, expires_in - 30) * 1000 };
      });
    pending.catch(() => {
      if (this.cache.get(key) === pending) this.cache.delete(key);
    });
    return pending;
  }
}

// ---------------------------------------------------------------------------------------------------
// Seeding through /v2.

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** One config and one layer, shared by every artifact; the manifests differ by an annotation. */
function content() {
  const layerData = Buffer.from('berth scale bench: one small layer shared by every artifact\n');
  const layer = gzipSync(layerData);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(layerData)] },
    }),
  );
  const blobs = [
    { data: config, digest: sha256(config) },
    { data: layer, digest: sha256(layer) },
  ];
  const manifest = (repository: string, index: number) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: blobs[0]?.digest,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: blobs[1]?.digest,
          size: layer.length,
        },
      ],
      annotations: { 'io.berth.bench.artifact': `${repository}:${index}` },
    });
  return { blobs, manifest };
}

interface SeedFigures {
  readonly manifests: number;
  readonly seconds: number;
  readonly bigSeconds: number;
  /** Blob mounts Berth answered with an upload session instead (the blob was uploaded then). */
  readonly mountFallbacks: number;
  /** CPU seconds of Berth and of this process (the client) over the seeding. */
  readonly berthCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

class Seeder {
  private readonly content = content();
  private mountFallbacks = 0;
  private failure: Error | undefined;

  constructor(
    private readonly client: Client,
    private readonly tokens: RegistryTokens,
    private readonly session: string,
    /** The repository every other one mounts the shared blobs from. */
    private readonly source: string,
  ) {}

  async seed(shape: Shape, berthPid: number): Promise<SeedFigures> {
    const started = performance.now();
    const berthCpu = cpuSeconds(berthPid);
    const clientCpu = process.cpuUsage();
    const projects = [...Array.from({ length: shape.projects }, (_, p) => projectName(p)), bigProject];
    await this.pool(projects, 8, (name) => this.createProject(name));
    const repositories = Array.from(
      { length: shape.projects * shape.repositoriesPerProject },
      (_, i) =>
        `${projectName(Math.floor(i / shape.repositoriesPerProject))}/r${i % shape.repositoriesPerProject}`,
    );
    await this.prepare(this.source);
    await this.push(repositories, shape.artifactsPerRepository);
    const bigStarted = performance.now();
    await this.push([bigRepository], shape.bigArtifacts);
    const finished = performance.now();
    return {
      manifests: repositories.length * shape.artifactsPerRepository + shape.bigArtifacts,
      seconds: (finished - started) / 1000,
      bigSeconds: (finished - bigStarted) / 1000,
      mountFallbacks: this.mountFallbacks,
      berthCpuSeconds: cpuSeconds(berthPid) - berthCpu,
      clientCpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(clientCpu)),
    };
  }

  private async createProject(name: string): Promise<void> {
    const answer = await this.client.send('POST', '/api/v2.0/projects', {
      headers: { Authorization: this.session, 'Content-Type': 'application/json' },
      body: JSON.stringify({ project_name: name }),
    });
    expectStatus(answer, 201, `creating project ${name}`);
  }

  private scopes(repository: string): string[] {
    return repository === this.source
      ? [`repository:${repository}:pull,push`]
      : [`repository:${repository}:pull,push`, `repository:${this.source}:pull`];
  }

  /** The shared blobs into a repository: uploaded into the source, mounted from it everywhere else. */
  private async prepare(repository: string): Promise<void> {
    const auth = await this.tokens.header(this.scopes(repository));
    for (const blob of this.content.blobs) {
      if (repository !== this.source) {
        const mounted = await this.client.send(
          'POST',
          `/v2/${repository}/blobs/uploads/?mount=${blob.digest}&from=${this.source}`,
          { headers: { Authorization: auth }, body: '' },
        );
        if (mounted.status === 201) continue;
        expectStatus(mounted, 202, `mounting ${blob.digest} into ${repository}`);
        this.mountFallbacks++;
      }
      const uploaded = await this.client.send(
        'POST',
        `/v2/${repository}/blobs/uploads/?digest=${blob.digest}`,
        {
          headers: { Authorization: auth, 'Content-Type': 'application/octet-stream' },
          body: blob.data,
        },
      );
      expectStatus(uploaded, 201, `uploading ${blob.digest} to ${repository}`);
    }
  }

  /** Tags v0…v<count-1> in each repository, pushConcurrency manifest PUTs in flight across repositories. */
  private async push(repositories: readonly string[], count: number): Promise<void> {
    const prepared = new Map<string, Promise<void>>();
    const work = (function* () {
      for (const repository of repositories) for (let i = 0; i < count; i++) yield { repository, i };
    })();
    await this.pool(work, pushConcurrency, async ({ repository, i }) => {
      let ready = prepared.get(repository);
      if (!ready) {
        ready = this.prepare(repository);
        prepared.set(repository, ready);
      }
      await ready;
      await this.putManifest(repository, i);
    });
  }

  private async putManifest(repository: string, index: number): Promise<void> {
    const body = this.content.manifest(repository, index);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.client.send('PUT', `/v2/${repository}/manifests/v${index}`, {
        headers: {
          Authorization: await this.tokens.header(this.scopes(repository)),
          'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        },
        body,
      });
      // An expired token: fetch a new one, once.
      if (answer.status === 401 && attempt === 0) {
        this.tokens.forget(this.scopes(repository));
        continue;
      }
      expectStatus(answer, 201, `PUT ${repository}:v${index}`);
      return;
    }
  }

  /** Runs `task` over the items with `width` at once; the first failure stops every worker and is thrown. */
  private async pool<T>(items: Iterable<T>, width: number, task: (item: T) => Promise<void>): Promise<void> {
    const iterator = items[Symbol.iterator]();
    const worker = async () => {
      for (let next = iterator.next(); !next.done && !this.failure; next = iterator.next()) {
        try {
          await task(next.value);
        } catch (error) {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    if (this.failure) throw this.failure;
  }
}

// ---------------------------------------------------------------------------------------------------
// The timed requests.

interface Probe {
  readonly metric: string;
  readonly target: string;
  readonly auth: () => Promise<string>;
  /** What is wrong with a 200 answer, if anything. */
  readonly check: (answer: Answer) => string | undefined;
}

interface Timing {
  readonly metric: string;
  readonly samples: readonly number[];
  readonly failure?: string;
}

const totalCount = (a: Answer) => Number(a.headers['x-total-count']);

function expectItems(a: Answer, items: number, total?: number): string | undefined {
  const list = json<unknown[]>(a);
  if (!Array.isArray(list) || list.length !== items) return `${list.length} items, expected ${items}`;
  if (total !== undefined && totalCount(a) !== total)
    return `X-Total-Count ${a.headers['x-total-count']}, expected ${total}`;
  return undefined;
}

function checked(probe: Probe, answer: Answer): string | undefined {
  try {
    return probe.check(answer);
  } catch (error) {
    return `unexpected answer (${(error as Error).message}): ${answer.body.toString().slice(0, 200)}`;
  }
}

async function time(client: Client, probe: Probe): Promise<Timing> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < warmUps + timedRequests; i++) {
    let answer: Answer;
    try {
      answer = await client.send('GET', probe.target, { headers: { Authorization: await probe.auth() } });
    } catch (error) {
      return { metric: probe.metric, samples, failure: (error as Error).message };
    }
    const problem =
      answer.status === 200
        ? checked(probe, answer)
        : `answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`;
    if (problem) return { metric: probe.metric, samples, failure: problem };
    if (i >= warmUps) samples.push(answer.ms);
    if (samples.length > 0 && performance.now() - started > metricBudgetMs) break;
  }
  return { metric: probe.metric, samples };
}

/** After an abandoned request, waits until Berth answers again, so the next metric is not timed behind it. */
async function settle(client: Client): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      if ((await client.send('GET', '/v2/')).status < 500) return;
    } catch {
      // still busy
    }
  }
}

/** Harbor's clients encode q twice (`q=tags%3D%257Ev99`); which form does Berth read? */
async function tagFilterTarget(
  client: Client,
  base: string,
  session: string,
  expected: number,
): Promise<{ target: string; note: string }> {
  const harbor = `${base}?q=tags%3D%257E${tagFilter}&page=1&page_size=${pageSize}&with_tag=true`;
  const single = `${base}?q=tags%3D~${tagFilter}&page=1&page_size=${pageSize}&with_tag=true`;
  const count = async (target: string) => {
    const answer = await client.send('GET', target, { headers: { Authorization: session } });
    return answer.status === 200 ? matches(totalCount(answer)) : `status ${answer.status}`;
  };
  const harborAnswer = await count(harbor).catch((error: Error) => error.message);
  if (harborAnswer === matches(expected))
    return { target: harbor, note: `Harbor's double-encoded q (tags%3D%257E${tagFilter}) works` };
  const singleAnswer = await count(single).catch((error: Error) => error.message);
  return {
    target: single,
    note:
      `Harbor's double-encoded q (tags%3D%257E${tagFilter}) gave ${harborAnswer}, expected ${expected}; ` +
      `timed the single-encoded tags%3D~${tagFilter} instead (${singleAnswer})`,
  };
}

function probes(shape: Shape, session: string, tokens: RegistryTokens, tagFilterPath: string): Probe[] {
  const api = async () => session;
  const repositoryCount = shape.projects * shape.repositoriesPerProject + 1;
  const artifacts = `/api/v2.0/projects/${bigProject}/repositories/app/artifacts`;
  const lastPage = Math.ceil(shape.bigArtifacts / pageSize);
  const matching = tagsMatching(shape.bigArtifacts);
  const tagged = (a: Answer) =>
    json<{ tags?: { name: string }[] | null }[]>(a).every((artifact) => (artifact.tags?.length ?? 0) > 0)
      ? undefined
      : 'an artifact came without its tag';
  const searchText = 'p00';
  const searchProjects = Math.min(10, shape.projects);
  return [
    {
      metric: 'project list',
      target: `/api/v2.0/projects?page=1&page_size=${pageSize}`,
      auth: api,
      // Besides the seeded ones, the projects Berth and the bench start with (library, bench).
      check: (a) =>
        totalCount(a) >= shape.projects + 1
          ? expectItems(a, Math.min(pageSize, totalCount(a)))
          : `X-Total-Count ${totalCount(a)}, expected at least ${shape.projects + 1}`,
    },
    {
      metric: 'repositories of a project',
      target: `/api/v2.0/projects/${projectName(0)}/repositories?page_size=${pageSize}`,
      auth: api,
      check: (a) => expectItems(a, shape.repositoriesPerProject, shape.repositoriesPerProject),
    },
    {
      metric: `artifacts, page 1 (${shape.bigArtifacts.toLocaleString('en')} in the repository)`,
      target: `${artifacts}?page=1&page_size=${pageSize}&with_tag=true&with_scan_overview=true`,
      auth: api,
      check: (a) => expectItems(a, pageSize, shape.bigArtifacts) ?? tagged(a),
    },
    {
      metric: `artifacts, last page (${lastPage})`,
      target: `${artifacts}?page=${lastPage}&page_size=${pageSize}&with_tag=true&with_scan_overview=true`,
      auth: api,
      check: (a) =>
        expectItems(a, shape.bigArtifacts - (lastPage - 1) * pageSize, shape.bigArtifacts) ?? tagged(a),
    },
    {
      metric: `artifacts, tag filter tags=~${tagFilter} (${matches(matching)})`,
      target: tagFilterPath,
      auth: api,
      check: (a) =>
        expectItems(a, Math.min(pageSize, matching), matching) ??
        (json<{ tags?: { name: string }[] | null }[]>(a).every((x) =>
          x.tags?.some((t) => t.name.includes(tagFilter)),
        )
          ? undefined
          : `an artifact without a tag matching ${tagFilter}`),
    },
    {
      metric: '/v2 tags list, n=1000',
      target: `/v2/${bigRepository}/tags/list?n=1000`,
      auth: () => tokens.header([`repository:${bigRepository}:pull`]),
      check: (a) => {
        const tags = json<{ tags: string[] }>(a).tags;
        const expected = Math.min(1000, shape.bigArtifacts);
        return tags.length === expected ? undefined : `${tags.length} tags, expected ${expected}`;
      },
    },
    {
      metric: '/v2/_catalog, n=1000',
      target: '/v2/_catalog?n=1000',
      auth: () => tokens.header(['registry:catalog:*']),
      check: (a) => {
        const repositories = json<{ repositories: string[] }>(a).repositories;
        const expected = Math.min(1000, repositoryCount);
        return repositories.length === expected
          ? undefined
          : `${repositories.length} repositories, expected ${expected}`;
      },
    },
    {
      metric: `search q=${searchText}`,
      target: `/api/v2.0/search?q=${searchText}`,
      auth: api,
      check: (a) => {
        const found = json<{ project: unknown[]; repository: unknown[] }>(a);
        const repositories = Math.min(100, searchProjects * shape.repositoriesPerProject);
        return found.project.length === searchProjects && found.repository.length === repositories
          ? undefined
          : `${found.project.length} projects and ${found.repository.length} repositories, expected ${searchProjects} and ${repositories}`;
      },
    },
    {
      metric: 'statistics',
      target: '/api/v2.0/statistics',
      auth: api,
      check: (a) => {
        const s = json<{ total_project_count: number; total_repo_count: number }>(a);
        return s.total_project_count >= shape.projects + 1 && s.total_repo_count === repositoryCount
          ? undefined
          : `${s.total_project_count} projects and ${s.total_repo_count} repositories`;
      },
    },
    {
      metric: 'project summary',
      target: `/api/v2.0/projects/${projectName(0)}/summary`,
      auth: api,
      check: (a) => {
        const count = json<{ repo_count: number }>(a).repo_count;
        return count === shape.repositoriesPerProject ? undefined : `repo_count ${count}`;
      },
    },
    {
      metric: 'audit log, page 1',
      target: `/api/v2.0/audit-logs?page=1&page_size=${pageSize}`,
      auth: api,
      check: (a) =>
        expectItems(a, pageSize) ??
        (totalCount(a) >= shape.bigArtifacts ? undefined : `X-Total-Count ${totalCount(a)}`),
    },
  ];
}

const matches = (n: number) => `${n} ${n === 1 ? 'match' : 'matches'}`;

/** How many of the tags v0…v<count-1> contain the filter text. */
function tagsMatching(count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (`v${i}`.includes(tagFilter)) n++;
  return n;
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
