import { isDigest, parseDigest } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName, assertTag, isValidTag } from '../../lib/names.js';
import { readLimited } from '../../lib/streams.js';
import { blobKey } from '../../storage/index.js';
import type { ServiceContext } from '../context.js';
import type { ImmutableRules } from '../immutable/index.js';
import { manifestId } from '../manifest/manifest.repo.js';
import { upsertTag } from '../manifest/tag.repo.js';
import type { Listed, PageRequest } from '../pagination.js';
import type { Filters, Sort } from '../query.js';
import { findRepositoryId, touchRepository } from '../repository/index.js';
import {
  type Accessory,
  type Artifact,
  type ArtifactField,
  accessoryKind,
  artifactKind,
  manifestShape,
  type Tag,
  type TagField,
} from './artifact.model.js';
import {
  accessoriesOf,
  blobSizes,
  cachedExtraAttrs,
  cacheExtraAttrs,
  listTagsOn,
  manifestIds,
  manifestsById,
  removeTag,
  resolveReference,
  type TagRecord,
  tagsOn,
  tagTarget,
} from './artifact.repo.js';
import { copyArtifact } from './artifact-copy.js';
import { deleteArtifactTree } from './artifact-delete.js';
import { type ArtifactListQuery, listTopLevel } from './artifact-list.repo.js';

export interface ArtifactQuery extends PageRequest {
  readonly filters: Filters<ArtifactField>;
  readonly sorts: readonly Sort<ArtifactField>[];
  readonly labels?: ArtifactListQuery['labels'];
  readonly latestInRepository?: boolean | undefined;
}

export interface TagQuery extends PageRequest {
  readonly filters: Filters<TagField>;
  readonly sorts: readonly Sort<TagField>[];
}

/** Config blobs bigger than this are not read for the API's extra attributes. */
const configReadLimit = 1 << 20;

const toTag = (t: TagRecord, artifactId: number): Tag => ({
  repositoryId: t.repositoryId,
  artifactId,
  name: t.name,
  pushTime: new Date(t.pushTime),
  pullTime: t.pullTime === null ? null : new Date(t.pullTime),
});

/**
 * The management API's view of artifacts: size, tags, children of an index, accessories, attributes
 * from the config, tags added or removed by name. Artifacts listed are the top-level ones: children
 * of an index in the same repository and accessories of an artifact there are shown with it.
 */
export class ArtifactService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly immutable: ImmutableRules,
  ) {}

  /** One page of a repository's top-level artifacts. */
  async listArtifacts(repository: string, query: ArtifactQuery): Promise<Listed<Artifact>> {
    const repositoryId = await this.repositoryId(repository);
    const { total, items } = await listTopLevel(this.ctx.db, { ...query, scope: { repositoryId } });
    return { total, items: await this.views(items) };
  }

  /**
   * Copies the artifact `from` names (`project/repository:tag` or `…@digest`) into the destination
   * repository (created when missing), with its children, accessories and tags. Returns the source
   * repository, the digests copied and the reference `from` gave.
   */
  async copy(
    from: string,
    destination: string,
  ): Promise<{ source: string; digests: string[]; reference: string }> {
    assertRepositoryName(destination);
    const at = from.indexOf('@');
    const colon = from.lastIndexOf(':');
    const split = at > 0 ? at : colon > from.lastIndexOf('/') && colon > 0 ? colon : -1;
    if (split < 0) throw new BerthError('INVALID_INPUT', `invalid input: ${from.slice(0, 300)}`);
    const source = from.slice(0, split);
    const reference = from.slice(split + 1);
    try {
      assertRepositoryName(source);
    } catch {
      throw new BerthError('INVALID_INPUT', `invalid input: ${from.slice(0, 300)}`);
    }
    const repositoryId = await this.repositoryId(source);
    const digest = await this.resolve(repositoryId, source, reference);
    const digests = await copyArtifact(
      this.ctx.db,
      this.ctx.dialect,
      { repositoryId, digest },
      destination,
      this.ctx.now(),
      await this.immutable.matcher(destination),
    );
    return { source, digests, reference };
  }

  /** One page of the top-level artifacts of every repository of a project. */
  async listProjectArtifacts(projectId: number, query: ArtifactQuery): Promise<Listed<Artifact>> {
    const { total, items } = await listTopLevel(this.ctx.db, { ...query, scope: { projectId } });
    return { total, items: await this.views(items) };
  }

  async getArtifact(repository: string, reference: string): Promise<Artifact> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const id = await manifestId(this.ctx.db, repositoryId, digest);
    const [view] = id === undefined ? [] : await this.views([id]);
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
    const now = this.ctx.now();
    const guard = await this.immutable.deletionGuard(repository);
    return this.ctx.db.transaction().execute((tx) =>
      deleteArtifactTree(tx, repositoryId, digest, {
        touchAt: now,
        assertDeletable: guard,
        dialect: this.ctx.dialect,
      }),
    );
  }

  async listTags(repository: string, reference: string, query: TagQuery): Promise<Listed<Tag>> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const artifactId = (await manifestId(this.ctx.db, repositoryId, digest)) ?? 0;
    const { total, items } = await listTagsOn(this.ctx.db, repositoryId, digest, query);
    return { total, items: items.map((t) => toTag(t, artifactId)) };
  }

  /** Tags the artifact; a tag name already used in the repository is a CONFLICT (move it by deleting it first). */
  async addTag(repository: string, reference: string, name: string): Promise<void> {
    assertTag(name);
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    const now = this.ctx.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const existing = await tagTarget(tx, repositoryId, name);
      if (existing) {
        throw new BerthError(
          'CONFLICT',
          existing === digest
            ? `the artifact already has the tag ${name}`
            : `the tag ${name} is on another artifact (${existing}); delete it there first`,
        );
      }
      if (!(await upsertTag(tx, this.ctx.dialect, repositoryId, name, digest, now)))
        throw new BerthError('NOT_FOUND', `artifact ${repository}@${digest} not found`);
      await touchRepository(tx, repositoryId, now);
    });
  }

  /** Removes the tag from the artifact the reference names; NOT_FOUND when that artifact does not carry it. */
  async deleteTag(repository: string, reference: string, name: string): Promise<void> {
    const repositoryId = await this.repositoryId(repository);
    const digest = await this.resolve(repositoryId, repository, reference);
    await this.immutable.assertDeletable(repository, [name]);
    if (!(await removeTag(this.ctx.db, repositoryId, name, digest)))
      throw new BerthError('NOT_FOUND', `the artifact ${digest} has no tag ${name.slice(0, 128)}`);
  }

  /** Artifacts in the repository whose subject is this one. */
  async accessories(artifact: Artifact): Promise<Accessory[]> {
    const rows = await accessoriesOf(this.ctx.db, artifact.repositoryId, artifact.digest);
    return rows.map((r) => ({
      id: r.id,
      artifactId: r.id,
      subjectArtifactId: artifact.id,
      subjectDigest: artifact.digest,
      repositoryName: artifact.repositoryName,
      digest: r.digest,
      size: r.size,
      type: accessoryKind(r.artifactType),
      createdAt: new Date(r.createdAt),
    }));
  }

  /**
   * An image's config blob as JSON (architecture, os, created, author, config, history), read from
   * storage; undefined for artifacts without one or with a config that is not a JSON object.
   */
  async config(artifact: Artifact): Promise<Record<string, unknown> | undefined> {
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
  async extraAttrs(artifact: Artifact): Promise<Record<string, unknown> | undefined> {
    const cached = await cachedExtraAttrs(this.ctx.db, artifact.id);
    if (cached) return cached;
    const config = await this.config(artifact);
    if (!config) return undefined;
    const attrs: Record<string, unknown> = {};
    for (const key of ['architecture', 'os', 'os.version', 'variant', 'created', 'author', 'config']) {
      if (config[key] !== undefined) attrs[key] = config[key];
    }
    await cacheExtraAttrs(this.ctx.db, artifact.id, attrs);
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
    const byDigest = isDigest(reference);
    if (!byDigest && !isValidTag(reference))
      throw new BerthError('NOT_FOUND', `artifact ${repository}:${reference.slice(0, 128)} not found`);
    const digest = await resolveReference(
      this.ctx.db,
      repositoryId,
      byDigest ? { digest: parseDigest(reference).digest } : { tag: reference },
    );
    if (!digest)
      throw new BerthError(
        'NOT_FOUND',
        `artifact ${repository}${byDigest ? '@' : ':'}${reference} not found`,
      );
    return digest;
  }

  /** Full views of the manifests with these ids, in the order given. */
  private async views(ids: readonly number[]): Promise<Artifact[]> {
    const rows = await manifestsById(this.ctx.db, ids);
    if (rows.length === 0) return [];
    const shapes = new Map(rows.map((r) => [r.id, manifestShape(r.content)]));
    const byRepository = new Map<number, typeof rows>();
    for (const row of rows)
      byRepository.set(row.repositoryId, [...(byRepository.get(row.repositoryId) ?? []), row]);
    const children = new Map<string, { id: number; size: number }>();
    const tags: TagRecord[] = [];
    for (const [repositoryId, group] of byRepository) {
      const childDigestList = group.flatMap((r) => shapes.get(r.id)?.children.map((c) => c.digest) ?? []);
      for (const [digest, child] of await manifestIds(this.ctx.db, repositoryId, childDigestList))
        children.set(`${repositoryId} ${digest}`, child);
      tags.push(
        ...(await tagsOn(
          this.ctx.db,
          repositoryId,
          group.map((r) => r.digest),
        )),
      );
    }
    const sizes = await blobSizes(this.ctx.db, [
      ...rows.map((r) => r.id),
      ...[...children.values()].map((c) => c.id),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const views: Artifact[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      const shape = shapes.get(id);
      if (!row || !shape) continue;
      const childOf = (digest: string) => children.get(`${row.repositoryId} ${digest}`);
      const childSize = shape.children.reduce((sum, c) => {
        const child = childOf(c.digest);
        return child ? sum + child.size + (sizes.get(child.id) ?? 0) : sum;
      }, 0);
      views.push({
        id: row.id,
        projectId: row.projectId,
        repositoryId: row.repositoryId,
        repositoryName: row.repositoryName,
        digest: row.digest,
        type: artifactKind(row.mediaType, shape.configMediaType),
        mediaType: shape.configMediaType ?? row.mediaType,
        manifestMediaType: row.mediaType,
        artifactType: row.artifactType ?? shape.configMediaType ?? row.mediaType,
        size: row.size + (sizes.get(row.id) ?? 0) + childSize,
        pushTime: new Date(row.createdAt),
        pullTime: row.pullTime === null ? null : new Date(row.pullTime),
        annotations: row.annotations,
        subject: row.subjectDigest,
        references: shape.children.map((c) => ({
          parentId: row.id,
          childId: childOf(c.digest)?.id,
          childDigest: c.digest,
          ...(c.platform ? { platform: c.platform } : {}),
          ...(c.annotations ? { annotations: c.annotations } : {}),
          ...(c.urls ? { urls: c.urls } : {}),
        })),
        tags: tags
          .filter((t) => t.repositoryId === row.repositoryId && t.digest === row.digest)
          .map((t) => toTag(t, row.id)),
        configDigest: shape.configDigest,
      });
    }
    return views;
  }
}
