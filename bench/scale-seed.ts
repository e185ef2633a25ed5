/** Seeding the scale phase's artifacts through /v2, as clients push. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { cpuSeconds } from './processes.js';
import { type Client, expectStatus, type RegistryTokens } from './scale-http.js';
import { bigProject, bigRepository, projectName, pushConcurrency, type Shape } from './scale-shape.js';

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

export interface SeedFigures {
  readonly manifests: number;
  readonly seconds: number;
  readonly bigSeconds: number;
  /** Blob mounts Berth answered with an upload session instead (the blob was uploaded then). */
  readonly mountFallbacks: number;
  /** CPU seconds of Berth and of this process (the client) over the seeding. */
  readonly berthCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

export class Seeder {
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
