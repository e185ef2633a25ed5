import { isDigest, parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName, assertTag } from '../../lib/names.js';
import { readLimited } from '../../lib/streams.js';
import { blobKey } from '../../storage/index.js';
import type { ServiceContext } from '../context.js';
import {
  accessoryDigests,
  childDigests,
  deleteManifest,
  manifestId,
  parentIndexes,
  unkeptManifests,
  upsertTag,
} from '../manifest/manifest.repo.js';
import { countAndPage, type Listed } from '../pagination.js';
import { matchesText, type TextFilter } from '../query.js';
import { findRepositoryId } from '../repository/index.js';
import {
  type AccessoryView,
  type ArtifactView,
  accessoryKind,
  artifactKind,
  manifestShape,
  type RepositoryView,
  type TagView,
} from './artifact.view.js';

/** A repository row, with its count of top-level artifacts, as the management API shows it. */
const repositoryView = (
  r: {
    id: number;
    name: string;
    project_id: number;
    description: string;
    pull_count: number;
    created_at: number;
    updated_at: number;
  },
  artifactCount: number,
): RepositoryView => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  description: r.description,
  artifactCount,
  pullCount: Number(r.pull_count),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface Sort<K extends string> {
  readonly column: K;
  readonly desc: boolean;
}

export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
}

export interface RepositoryQuery extends PageRequest {
  readonly name?: TextFilter | undefined;
  readonly sort?: Sort<'name' | 'created_at' | 'updated_at' | 'pull_count'> | undefined;
}

export interface ArtifactQuery extends PageRequest {
  /** `*` tagged, `nil` untagged, else an exact or fuzzy tag name. */
  readonly tags?: TextFilter | undefined;
  readonly digest?: string | undefined;
  readonly mediaType?: string | undefined;
  readonly sort?: Sort<'created_at' | 'pull_time' | 'digest'> | undefined;
}

export interface TagQuery extends PageRequest {
  readonly name?: TextFilter | undefined;
  readonly sort?: Sort<'name' | 'updated_at' | 'pull_time'> | undefined;
}

/** Config blobs bigger than this are not read for the API's extra attributes. */
const configReadLimit = 1 << 20;

/**
 * The management API's view of the registry: repositories (description, artifact and pull counts),
 * artifacts (size, tags, children of an index, accessories, attributes from the config) and tags
 * added or removed by name. Artifacts listed are the top-level ones: children of an index in the
 * same repository and accessories of an artifact there are shown with it, not beside it.
 */
export class ArtifactService {
  constructor(private readonly ctx: ServiceContext) {}

  async listRepositories(projectName: string, query: RepositoryQuery): Promise<Listed<RepositoryView>> {
    let base = this.ctx.db
      .selectFrom('repositories as r')
      .innerJoin('projects as p', 'p.id', 'r.project_id')
      .select('r.id')
      .where('p.name', '=', projectName);
    if (query.name) {
      // An exact name is the repository's without its project; a fuzzy one matches anywhere.
      const { value, fuzzy } = query.name;
      base = base.where(matchesText('r.name', { value: fuzzy ? value : `${projectName}/${value}`, fuzzy }));
    }
    const sort = query.sort ?? { column: 'created_at', desc: true };
    return countAndPage(base, query, async (q) => {
      const rows = await q
        .select(['r.name', 'r.project_id', 'r.description', 'r.pull_count', 'r.created_at', 'r.updated_at'])
        .orderBy(`r.${sort.column}`, sort.desc ? 'desc' : 'asc')
        .orderBy('r.id', sort.desc ? 'desc' : 'asc')
        .execute();
      const counts = await this.artifactCounts(rows.map((r) => r.id));
      return rows.map((r) => repositoryView(r, counts.get(r.id) ?? 0));
    });
  }

  async getRepository(name: string): Promise<RepositoryView> {
    assertRepositoryName(name);
    const row = await this.ctx.db
      .selectFrom('repositories')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new BerthError('NOT_FOUND', `repository ${name} not found`);
    return repositoryView(row, (await this.artifactCounts([row.id])).get(row.id) ?? 0);
  }

  async updateRepository(name: string, description: string): Promise<void> {
    const repositoryId = await this.repositoryId(name);
    await this.ctx.db
      .updateTable('repositories')
      .set({ description })
      .where('id', '=', repositoryId)
      .execute();
  }

  /**
   * Removes the repository with every artifact and tag in it. Blob data stays in storage for the
   * garbage collector: other repositories may share it.
   */
  async deleteRepository(name: string): Promise<void> {
    const repositoryId = await this.repositoryId(name);
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('tags').where('repository_id', '=', repositoryId).execute();
      await tx.deleteFrom('manifests').where('repository_id', '=', repositoryId).execute();
      await tx.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).execute();
      await tx.deleteFrom('repositories').where('id', '=', repositoryId).execute();
    });
  }

  async listArtifacts(repository: string, query: ArtifactQuery): Promise<Listed<ArtifactView>> {
    const repositoryId = await this.repositoryId(repository);
    // Top-level artifacts only: an index range read on (repository_id, top_level, sort column).
    let base = this.ctx.db
      .selectFrom('manifests as m')
      .select('m.id')
      .where('m.repository_id', '=', repositoryId)
      .where('m.top_level', '=', 1);
    if (query.digest !== undefined) base = base.where('m.digest', '=', query.digest);
    if (query.mediaType !== undefined) base = base.where('m.media_type', '=', query.mediaType);
    if (query.tags) {
      const { value, fuzzy } = query.tags;
      base = base.where((eb) => {
        const tagged = eb
          .selectFrom('tags as t')
          .select('t.name')
          .whereRef('t.repository_id', '=', 'm.repository_id')
          .whereRef('t.digest', '=', 'm.digest');
        if (value === '*' && !fuzzy) return eb.exists(tagged);
        if (value === 'nil' && !fuzzy) return eb.not(eb.exists(tagged));
        return eb.exists(tagged.where(matchesText('t.name', { value, fuzzy })));
      });
    }
    const sort = query.sort ?? { column: 'created_at', desc: true };
    return countAndPage(base, query, async (q) => {
      const rows = await q
        .select('m.digest')
        .orderBy(`m.${sort.column}`, sort.desc ? 'desc' : 'asc')
        .orderBy('m.id', sort.desc ? 'desc' : 'asc')
        .execute();
      return this.views(
        repository,
        repositoryId,
        rows.map((r) => r.digest),
      );
    });
  }

  async getArtifact(repository: string, reference: string): Promise<ArtifactView> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const [view] = await this.views(repository, repositoryId, [digest]);
    if (!view) throw new BerthError('NOT_FOUND', `artifact ${repository}@${digest} not found`);
    return view;
  }

  /**
   * Deletes the artifact and what exists only for it: its accessories (signatures, SBOMs) and, for an
   * index, the children no tag and no other index keeps. An artifact that an index in the repository
   * lists is refused (REFERENCED). Returns the digests deleted.
   */
  async deleteArtifact(repository: string, reference: string): Promise<string[]> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    return this.ctx.db.transaction().execute(async (tx) => {
      const deleted: string[] = [];
      const queue = [digest];
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const current = next;
        const id = await manifestId(tx, repositoryId, current);
        if (id === undefined) continue;
        const [children, accessories] = await Promise.all([
          childDigests(tx, id),
          accessoryDigests(tx, repositoryId, current),
        ]);
        const outcome = await deleteManifest(tx, repositoryId, current);
        if (outcome === 'referenced') {
          // Only the artifact asked for can be listed by an index: the rest are its own parts.
          const parents = await parentIndexes(tx, repositoryId, current);
          throw new BerthError(
            'REFERENCED',
            `artifact ${current} is part of index ${parents[0] ?? 'another'}; delete the index first`,
          );
        }
        if (outcome === 'missing') continue;
        deleted.push(current);
        queue.push(...accessories);
        // Children that no other index lists and no tag keeps go with their index.
        queue.push(...(await unkeptManifests(tx, repositoryId, children)));
      }
      return deleted;
    });
  }

  async listTags(repository: string, reference: string, query: TagQuery): Promise<Listed<TagView>> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    let base = this.ctx.db
      .selectFrom('tags as t')
      .innerJoin('manifests as m', (j) =>
        j.onRef('m.repository_id', '=', 't.repository_id').onRef('m.digest', '=', 't.digest'),
      )
      .select('t.name')
      .where('t.repository_id', '=', repositoryId)
      .where('t.digest', '=', digest);
    if (query.name) base = base.where(matchesText('t.name', query.name));
    const sort = query.sort ?? { column: 'name', desc: false };
    return countAndPage(base, query, async (q) => {
      const rows = await q
        .select(['m.id', 't.updated_at', 't.pull_time'])
        .orderBy(`t.${sort.column}`, sort.desc ? 'desc' : 'asc')
        .orderBy('t.name')
        .execute();
      return rows.map((r) => ({
        repositoryId,
        artifactId: r.id,
        name: r.name,
        pushTime: r.updated_at,
        pullTime: r.pull_time,
      }));
    });
  }

  /** Tags the artifact; a tag name already used in the repository is a CONFLICT (move it by deleting it first). */
  async addTag(repository: string, reference: string, name: string): Promise<void> {
    assertTag(name);
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('tags')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing) {
        throw new BerthError(
          'CONFLICT',
          existing.digest === digest
            ? `the artifact already has the tag ${name}`
            : `the tag ${name} is on another artifact (${existing.digest}); delete it there first`,
        );
      }
      await upsertTag(tx, repositoryId, name, digest, now);
      await tx.updateTable('repositories').set({ updated_at: now }).where('id', '=', repositoryId).execute();
    });
  }

  /** Removes the tag from the artifact the reference names; NOT_FOUND when that artifact does not carry it. */
  async deleteTag(repository: string, reference: string, name: string): Promise<void> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const result = await this.ctx.db
      .deleteFrom('tags')
      .where('repository_id', '=', repositoryId)
      .where('name', '=', name)
      .where('digest', '=', digest)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw new BerthError('NOT_FOUND', `the artifact ${digest} has no tag ${name.slice(0, 128)}`);
  }

  /** Artifacts in the repository whose subject is this one. */
  async accessories(artifact: ArtifactView): Promise<AccessoryView[]> {
    const rows = await this.ctx.db
      .selectFrom('manifests')
      .select(['id', 'digest', 'artifact_type', 'size', 'created_at'])
      .where('repository_id', '=', artifact.repositoryId)
      .where('subject_digest', '=', artifact.digest)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      artifactId: r.id,
      subjectArtifactId: artifact.id,
      subjectDigest: artifact.digest,
      repositoryName: artifact.repositoryName,
      digest: r.digest,
      size: Number(r.size),
      type: accessoryKind(r.artifact_type),
      createdAt: r.created_at,
    }));
  }

  /**
   * An image's config blob as JSON (architecture, os, created, author, config, history), read from
   * storage; undefined for artifacts without one or with a config that is not a JSON object.
   */
  async config(artifact: ArtifactView): Promise<Record<string, unknown> | undefined> {
    if (artifact.configDigest === undefined || artifact.type !== 'IMAGE') return undefined;
    const stream = await this.ctx.storage.read(blobKey(parseDigest(artifact.configDigest)));
    try {
      const parsed: unknown = JSON.parse((await readLimited(stream, configReadLimit)).toString('utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Harbor's extra_attrs of an image: architecture, os, created, author and the runtime config, cached. */
  async extraAttrs(artifact: ArtifactView): Promise<Record<string, unknown> | undefined> {
    const cached = await this.ctx.db
      .selectFrom('manifests')
      .select('extra_attrs')
      .where('id', '=', artifact.id)
      .executeTakeFirst();
    if (cached?.extra_attrs) return JSON.parse(cached.extra_attrs) as Record<string, unknown>;
    const config = await this.config(artifact);
    if (!config) return undefined;
    const attrs: Record<string, unknown> = {};
    for (const key of ['architecture', 'os', 'os.version', 'variant', 'created', 'author', 'config']) {
      if (config[key] !== undefined) attrs[key] = config[key];
    }
    await this.ctx.db
      .updateTable('manifests')
      .set({ extra_attrs: JSON.stringify(attrs) })
      .where('id', '=', artifact.id)
      .execute();
    return attrs;
  }

  private async repositoryId(name: string): Promise<number> {
    assertRepositoryName(name);
    const id = await findRepositoryId(this.ctx.db, name);
    if (id === undefined) throw new BerthError('NOT_FOUND', `repository ${name} not found`);
    return id;
  }

  /** The digest a tag or digest reference names in the repository. */
  private async resolve(repositoryId: number, repository: string, reference: string): Promise<string> {
    if (isDigest(reference)) {
      const digest = parseDigest(reference).digest;
      const row = await this.ctx.db
        .selectFrom('manifests')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (!row) throw new BerthError('NOT_FOUND', `artifact ${repository}@${digest} not found`);
      return row.digest;
    }
    assertTag(reference);
    const row = await this.ctx.db
      .selectFrom('tags')
      .select('digest')
      .where('repository_id', '=', repositoryId)
      .where('name', '=', reference)
      .executeTakeFirst();
    if (!row) throw new BerthError('NOT_FOUND', `artifact ${repository}:${reference} not found`);
    return row.digest;
  }

  /** Top-level artifact counts of the named repositories. */
  async artifactCountsByName(names: string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('repositories')
      .select(['id', 'name'])
      .where('name', 'in', names)
      .execute();
    const counts = await this.artifactCounts(rows.map((r) => r.id));
    return new Map(rows.map((r) => [r.name, counts.get(r.id) ?? 0]));
  }

  /**
   * Top-level artifact counts of these repositories: a count over the (repository, top-level) index
   * range of each, so the cost is that of reading their artifacts' index entries, never a table scan.
   */
  private async artifactCounts(repositoryIds: readonly number[]): Promise<Map<number, number>> {
    if (repositoryIds.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('manifests')
      .select(['repository_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('repository_id', 'in', repositoryIds)
      .where('top_level', '=', 1)
      .groupBy('repository_id')
      .execute();
    return new Map(rows.map((r) => [r.repository_id, Number(r.n)]));
  }

  /** Full views of the repository's manifests with these digests, in the order given. */
  private async views(repository: string, repositoryId: number, digests: string[]): Promise<ArtifactView[]> {
    if (digests.length === 0) return [];
    const db = this.ctx.db;
    const rows = await db
      .selectFrom('manifests')
      .select([
        'id',
        'digest',
        'media_type',
        'artifact_type',
        'size',
        'content',
        'subject_digest',
        'annotations',
        'created_at',
        'pull_time',
      ])
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', digests)
      .execute();
    const shapes = new Map(rows.map((r) => [r.digest, manifestShape(r.content)]));
    const childDigests = [...new Set([...shapes.values()].flatMap((s) => s.children.map((c) => c.digest)))];
    const children = childDigests.length
      ? await db
          .selectFrom('manifests')
          .select(['id', 'digest', 'size'])
          .where('repository_id', '=', repositoryId)
          .where('digest', 'in', childDigests)
          .execute()
      : [];
    const blobSizes = await this.blobSizes([...rows.map((r) => r.id), ...children.map((c) => c.id)]);
    const childById = new Map(children.map((c) => [c.digest, c]));
    const tags = await db
      .selectFrom('tags')
      .select(['name', 'digest', 'updated_at', 'pull_time'])
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', digests)
      .orderBy('name')
      .execute();
    const byDigest = new Map(rows.map((r) => [r.digest, r]));
    const views: ArtifactView[] = [];
    for (const digest of digests) {
      const row = byDigest.get(digest);
      const shape = shapes.get(digest);
      if (!row || !shape) continue;
      const childSize = shape.children.reduce((sum, c) => {
        const child = childById.get(c.digest);
        return child ? sum + Number(child.size) + (blobSizes.get(child.id) ?? 0) : sum;
      }, 0);
      const kind = artifactKind(row.media_type, shape.configMediaType);
      views.push({
        id: row.id,
        repositoryId,
        repositoryName: repository,
        digest: row.digest,
        type: kind,
        mediaType: shape.configMediaType ?? row.media_type,
        manifestMediaType: row.media_type,
        artifactType: row.artifact_type ?? shape.configMediaType ?? row.media_type,
        size: Number(row.size) + (blobSizes.get(row.id) ?? 0) + childSize,
        pushTime: row.created_at,
        pullTime: row.pull_time,
        annotations: row.annotations ? (JSON.parse(row.annotations) as Record<string, string>) : {},
        subject: row.subject_digest,
        references: shape.children.map((c) => ({
          parentId: row.id,
          childId: childById.get(c.digest)?.id,
          childDigest: c.digest,
          ...(c.platform ? { platform: c.platform } : {}),
          ...(c.annotations ? { annotations: c.annotations } : {}),
          ...(c.urls ? { urls: c.urls } : {}),
        })),
        tags: tags
          .filter((t) => t.digest === digest)
          .map((t) => ({
            repositoryId,
            artifactId: row.id,
            name: t.name,
            pushTime: t.updated_at,
            pullTime: t.pull_time,
          })),
        configDigest: shape.configDigest,
      });
    }
    return views;
  }

  /** Sum of the sizes of the blobs (config and layers) each manifest references. */
  private async blobSizes(manifestIds: number[]): Promise<Map<number, number>> {
    if (manifestIds.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('manifest_references as ref')
      .innerJoin('blobs as b', 'b.digest', 'ref.digest')
      .select(['ref.manifest_id', (eb) => eb.fn.sum<number>('b.size').as('total')])
      .where('ref.kind', '=', 'blob')
      .where('ref.manifest_id', 'in', manifestIds)
      .groupBy('ref.manifest_id')
      .execute();
    return new Map(rows.map((r) => [r.manifest_id, Number(r.total)]));
  }
}
