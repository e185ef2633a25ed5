import { Readable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { ArtifactService } from '../../src/domain/artifact/index.js';
import { BlobService } from '../../src/domain/blob/index.js';
import { ImmutableRules } from '../../src/domain/immutable/index.js';
import { ManifestService } from '../../src/domain/manifest/index.js';
import { ProjectService } from '../../src/domain/project/index.js';
import { RepositoryService } from '../../src/domain/repository/index.js';
import { UploadService } from '../../src/domain/upload/index.js';
import { UserService } from '../../src/domain/user/index.js';
import { isBerthError } from '../../src/lib/errors.js';
import { ociIndex, ociManifest, sha256 } from '../support/client.js';
import {
  createTestDatabase,
  createTestStorage,
  type DatabaseKind,
  type TestDatabase,
  type TestStorage,
  testContextParts,
} from '../support/services.js';

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Candidate {
  readonly body: string;
  readonly digest: string;
  readonly children: readonly string[];
}

describe.each(['sqlite', 'postgres'] as DatabaseKind[])('the artifact model (%s)', (kind) => {
  let database: TestDatabase;
  let storage: TestStorage;
  let handle: DatabaseHandle;
  let manifests: ManifestService;
  let artifacts: ArtifactService;
  let repositories: RepositoryService;
  let uploads: UploadService;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    storage = await createTestStorage('filesystem');
    handle = await database.open();
    const ctx = {
      db: handle.db,
      storage: storage.create(),
      logger: pino({ level: 'silent' }),
      now: Date.now,
      ...testContextParts(handle),
    };
    const immutable = new ImmutableRules(ctx);
    manifests = new ManifestService(ctx, { maxBytes: 1 << 20, catalogMaxEntries: 1000 }, immutable);
    artifacts = new ArtifactService(ctx, immutable);
    repositories = new RepositoryService(ctx, immutable);
    uploads = new UploadService(ctx, new BlobService(ctx), { ttlMs: 3_600_000, orphanGraceMs: 3_600_000 });
    const owner = await new UserService(ctx).create({ username: 'owner', password: 'Owner12345' });
    await new ProjectService(ctx).create('model', owner.id, {});
  });
  afterAll(async () => {
    await handle?.close();
    await storage?.stop();
    await database?.drop();
  });

  /** Every manifest's top-level flag and parent count, and the repository's artifact list and count, against a from-scratch computation. */
  async function consistent(repository: string): Promise<void> {
    const db = handle.db;
    const stored = await db
      .selectFrom('manifests as m')
      .select(['m.repository_id', 'm.digest', 'm.parent_count', 'm.top_level'])
      .select((eb) => [
        eb
          .selectFrom('manifest_references as ref')
          .innerJoin('manifests as p', 'p.id', 'ref.manifest_id')
          .select(sql<number>`count(*)`.as('n'))
          .where('ref.kind', '=', 'manifest')
          .whereRef('ref.digest', '=', 'm.digest')
          .whereRef('p.repository_id', '=', 'm.repository_id')
          .as('parents'),
        eb
          .selectFrom('manifests as s')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('s.repository_id', '=', 'm.repository_id')
          .whereRef('s.digest', '=', 'm.subject_digest')
          .as('subjects'),
      ])
      .execute();
    for (const row of stored) {
      const truth = {
        parents: Number(row.parents),
        topLevel: Number(row.parents) === 0 && !Number(row.subjects),
      };
      expect({ digest: row.digest, parents: row.parent_count, topLevel: row.top_level === 1 }).toEqual({
        digest: row.digest,
        ...truth,
      });
    }
    // And what the API lists and counts is exactly the top-level set.
    const repositoryId = await db
      .selectFrom('repositories')
      .select('id')
      .where('name', '=', repository)
      .executeTakeFirst();
    if (!repositoryId) return;
    const truth = stored
      .filter((r) => r.repository_id === repositoryId.id && Number(r.parents) === 0 && !Number(r.subjects))
      .map((r) => r.digest)
      .sort();
    const listed = await artifacts.listArtifacts(repository, {
      page: 1,
      pageSize: 100,
      filters: {},
      sorts: [],
    });
    expect({ total: listed.total, digests: listed.items.map((a) => a.digest).sort() }).toEqual({
      total: truth.length,
      digests: truth,
    });
    expect((await repositories.get(repository)).artifactCount).toBe(truth.length);
  }

  it.each([1, 2, 3])(
    'keeps top-level facts exact under random pushes and deletes in any order (seed %i)',
    async (seed) => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
      const repository = `model/r${seed}`;
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      );
      await uploads.putMonolithic(repository, sha256(config), Readable.from([config]), config.length);
      const configDescriptor = {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      };
      // A fixed pool of candidates: images, indexes over them, and accessories of images and indexes.
      const images: Candidate[] = [];
      for (let i = 0; i < 6; i++) {
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: configDescriptor,
          layers: [],
          annotations: { n: String(i) },
        });
        images.push({ body, digest: sha256(body), children: [] });
      }
      const indexes: Candidate[] = [];
      for (let i = 0; i < 4; i++) {
        const children = [pick(images), pick(images)].map((c) => c.digest);
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: ociIndex,
          manifests: [...new Set(children)].map((digest) => ({ mediaType: ociManifest, digest, size: 1 })),
          annotations: { n: String(i) },
        });
        indexes.push({ body, digest: sha256(body), children: [...new Set(children)] });
      }
      const accessories: Candidate[] = [];
      for (let i = 0; i < 6; i++) {
        const subject = pick([...images, ...indexes]);
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          artifactType: 'application/vnd.example.sig',
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
          layers: [],
          subject: { mediaType: ociManifest, digest: subject.digest, size: 1 },
          annotations: { n: String(i) },
        });
        accessories.push({ body, digest: sha256(body), children: [] });
      }
      const empty = Buffer.from('{}');
      await uploads.putMonolithic(repository, sha256(empty), Readable.from([empty]), empty.length);
      // Index descriptors' sizes must be the children's: rebuild the index bodies with real sizes.
      const sized = indexes.map((index) => {
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: ociIndex,
          manifests: index.children.map((digest) => ({
            mediaType: ociManifest,
            digest,
            size: Buffer.byteLength(images.find((c) => c.digest === digest)?.body ?? ''),
          })),
        });
        return { body, digest: sha256(body), children: index.children };
      });
      const all = [...images, ...sized, ...accessories];
      const outcomes = new Map<string, number>();
      for (let step = 0; step < 300; step++) {
        const candidate = pick(all);
        const action = pick(['put', 'put', 'delete', 'deleteArtifact', 'untag'] as const);
        try {
          if (action === 'put') {
            await manifests.put(
              repository,
              next() < 0.5 ? `t${step}` : candidate.digest,
              Readable.from([candidate.body]),
              undefined,
              undefined,
            );
          } else if (action === 'delete') {
            await manifests.delete(repository, candidate.digest);
          } else if (action === 'deleteArtifact') {
            await artifacts.deleteArtifact(repository, candidate.digest);
          } else {
            await manifests.delete(repository, `t${Math.floor(next() * step)}`);
          }
          outcomes.set(`${action} ok`, (outcomes.get(`${action} ok`) ?? 0) + 1);
        } catch (error) {
          if (!isBerthError(error)) throw error;
          outcomes.set(`${action} ${error.code}`, (outcomes.get(`${action} ${error.code}`) ?? 0) + 1);
        }
        await consistent(repository);
      }
      // The sequence really exercised every path: pushes, refused pushes, deletes.
      expect(outcomes.get('put ok')).toBeGreaterThan(10);
      expect(outcomes.get('delete ok')).toBeGreaterThan(2);
      expect(outcomes.get('put MANIFEST_BLOB_UNKNOWN')).toBeGreaterThan(0);
      // And a child is never deleted from under its index, whatever came before.
      const index = sized[0] as Candidate;
      for (const child of index.children) {
        const body = images.find((c) => c.digest === child)?.body ?? '';
        await manifests.put(repository, child, Readable.from([body]), undefined, undefined);
      }
      await manifests.put(repository, 'index', Readable.from([index.body]), undefined, undefined);
      await expect(manifests.delete(repository, index.children[0] as string)).rejects.toMatchObject({
        code: 'REFERENCED',
      });
      await consistent(repository);
    },
  );
});
