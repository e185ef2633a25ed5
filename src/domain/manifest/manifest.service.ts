import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database, ReferenceKind } from '../../db/index.js';
import { digestOf, isDigest, parseDigest, truncate } from '../../lib/digest.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName, assertTag, isValidTag } from '../../lib/names.js';
import { readLimited } from '../../lib/streams.js';
import type { ServiceContext } from '../context.js';
import type { ImmutableRules } from '../immutable/index.js';
import { type Page, toPage } from '../pagination.js';
import { assertRoom } from '../quota/index.js';
import {
  ensureRepository,
  findRepositoryId,
  listRepositoryNames,
  touchRepository,
} from '../repository/index.js';
import {
  type Descriptor,
  type DescriptorReference,
  type ParsedManifest,
  parseManifest,
} from './manifest.parse.js';
import {
  deleteManifest,
  insertManifest,
  listReferrers,
  manifestByDigest,
  manifestByTag,
  parentIndexes,
  type StoredManifest,
} from './manifest.repo.js';
import { pushTarget, storeIfReady } from './manifest-push.repo.js';
import { manifestMediaTypes } from './media-types.js';
import { deleteTag, listTags, tagNamesOn, upsertTag } from './tag.repo.js';

export interface ManifestLimits {
  readonly maxBytes: number;
  readonly catalogMaxEntries: number;
}

export interface PutResult {
  readonly digest: string;
  readonly subject?: string;
}

type Reference =
  | { readonly kind: 'digest'; readonly digest: string }
  | { readonly kind: 'tag'; readonly tag: string };

/** A tag or digest reference to store a manifest under: a malformed one is TAG_INVALID. */
function parseReference(reference: string): Reference {
  if (isDigest(reference)) return { kind: 'digest', digest: parseDigest(reference).digest };
  assertTag(reference);
  return { kind: 'tag', tag: reference };
}

/**
 * A reference to read or delete by: one that is neither a digest nor a valid tag names nothing, so it
 * is answered as unknown (the OCI conformance suite reads `.INVALID_MANIFEST_NAME` expecting 404).
 */
function lookupReference(reference: string): Reference | undefined {
  if (isDigest(reference)) return { kind: 'digest', digest: parseDigest(reference).digest };
  return isValidTag(reference) ? { kind: 'tag', tag: reference } : undefined;
}

/** Manifests, tags, the referrers index and the catalog. */
export class ManifestService {
  /** When this process last recorded a push into each repository. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly limits: ManifestLimits,
    private readonly immutable: ImmutableRules,
  ) {}

  /**
   * The manifest a tag or digest names. When the client's Accept header lists manifest media types
   * and the stored one is not among them (nor a wildcard), the answer is MANIFEST_UNKNOWN.
   */
  async get(repository: string, reference: string, accept?: string): Promise<StoredManifest> {
    assertRepositoryName(repository);
    const ref = lookupReference(reference);
    const manifest =
      ref === undefined
        ? undefined
        : ref.kind === 'tag'
          ? await manifestByTag(this.ctx.db, repository, ref.tag)
          : await manifestByDigest(this.ctx.db, repository, ref.digest);
    if (!manifest) throw await this.unknown(repository, reference);
    if (accept && !acceptable(accept, manifest.mediaType)) {
      throw new BerthError(
        'MANIFEST_UNKNOWN',
        `manifest ${reference} is ${manifest.mediaType}, which the Accept header does not allow`,
      );
    }
    return manifest;
  }

  async put(
    repository: string,
    reference: string,
    body: Readable,
    contentType: string | undefined,
    contentLength: number | undefined,
  ): Promise<PutResult> {
    assertRepositoryName(repository);
    let ref: Reference;
    try {
      ref = parseReference(reference);
    } catch (error) {
      body.resume();
      throw error;
    }
    if (contentLength !== undefined && contentLength > this.limits.maxBytes) {
      body.resume();
      throw new BerthError(
        'PAYLOAD_TOO_LARGE',
        `manifest of ${contentLength} bytes exceeds the limit of ${this.limits.maxBytes}`,
      );
    }
    const content = await readLimited(body, this.limits.maxBytes);
    const parsed = parseManifest(content, contentType);
    const digest = digestOf(ref.kind === 'digest' ? parseDigest(ref.digest).algorithm : 'sha256', content);
    if (ref.kind === 'digest' && ref.digest !== digest) {
      throw new BerthError('DIGEST_INVALID', `manifest has digest ${digest}, not ${ref.digest}`, {
        digest: ref.digest,
      });
    }
    const now = this.ctx.now();
    const manifest = {
      digest,
      media_type: parsed.mediaType,
      artifact_type: parsed.artifactType,
      size: content.length,
      content,
      subject_digest: parsed.subject?.digest ?? null,
      config_media_type: parsed.configMediaType,
      annotations: parsed.annotations ? JSON.stringify(parsed.annotations) : null,
      created_at: now,
    };
    const references = uniqueReferences(parsed.blobs, parsed.manifests);
    const tag = ref.kind === 'tag' ? ref.tag : undefined;
    if (tag !== undefined && (await this.immutable.matcher(repository))(tag) !== undefined)
      await this.immutable.assertMovable(repository, tag, await this.tagged(repository, tag), digest);
    const inTransaction = () =>
      this.ctx.writes
        .run(async (tx) => {
          const repositoryId = await this.target(tx, repository, parsed, now);
          await assertRoom(tx, this.ctx.dialect, repositoryId, [{ digest, size: content.length }]);
          await insertManifest(
            tx,
            this.ctx.dialect,
            { ...manifest, repository_id: repositoryId },
            references,
          );
          if (tag !== undefined && !(await upsertTag(tx, this.ctx.dialect, repositoryId, tag, digest, now)))
            throw new BerthError('MANIFEST_UNKNOWN', `manifest ${digest} was deleted while it was tagged`);
          if (this.touch(repository, now)) await touchRepository(tx, repositoryId, now);
        })
        .catch((error: unknown) => {
          throw deletedMeanwhile(error, repository);
        });
    if (this.ctx.dialect === 'postgres' && parsed.manifests.length === 0) {
      // One round trip (a statement that stores it if all it needs is there and its project has no
      // quota to check) instead of a transaction's eight: every statement costs a round trip to the
      // database server. When it is not stored, target() says why (or makes the repository on its
      // first push) and it is tried once more; a second miss (a project with a quota, or a blob or
      // the repository gone meanwhile) takes the transaction, which checks the quota and names
      // whatever is missing.
      const push = {
        repository,
        manifest,
        blobs: parsed.blobs,
        references,
        ...(tag === undefined ? {} : { tag }),
        ...(this.touch(repository, now) ? { touchBefore: now - 1000 } : {}),
      };
      try {
        if (!(await storeIfReady(this.ctx.db, push))) {
          await this.target(this.ctx.db, repository, parsed, now);
          if (!(await storeIfReady(this.ctx.db, push))) await inTransaction();
        }
      } catch (error) {
        throw deletedMeanwhile(error, repository);
      }
    } else await inTransaction();
    return parsed.subject ? { digest, subject: parsed.subject.digest } : { digest };
  }

  /** The digest the tag names in the repository, if it does. */
  private async tagged(repository: string, tag: string): Promise<string | undefined> {
    const manifest = await manifestByTag(this.ctx.db, repository, tag);
    return manifest?.digest;
  }

  /**
   * The repository a manifest is pushed into (created on first use), once every blob and manifest it
   * references is known there at the size its descriptor declares.
   */
  private async target(
    db: Kysely<Database>,
    repository: string,
    parsed: ParsedManifest,
    now: number,
  ): Promise<number> {
    const found = await pushTarget(
      db,
      this.ctx.dialect,
      repository,
      parsed.blobs.map((r) => r.digest),
      parsed.manifests.map((r) => r.digest),
    );
    const repositoryId = found?.repositoryId ?? (await ensureRepository(db, repository, now));
    assertStored(repository, 'blob', parsed.blobs, found?.blobs ?? new Map());
    assertStored(repository, 'manifest', parsed.manifests, found?.manifests ?? new Map());
    return repositoryId;
  }

  /**
   * Whether this push should record the repository's last change, kept to the second: not when this
   * process recorded one for the repository within the last second.
   */
  private touch(repository: string, now: number): boolean {
    if (now - (this.touched.get(repository) ?? 0) < 1000) return false;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(repository, now);
    return true;
  }

  /**
   * By tag: removes the tag. By digest: removes the manifest and every tag on it, unless an index in
   * the repository still lists it (deleting it would break that index).
   */
  async delete(repository: string, reference: string): Promise<void> {
    assertRepositoryName(repository);
    const ref = lookupReference(reference);
    const repositoryId = await findRepositoryId(this.ctx.db, repository);
    if (repositoryId === undefined || ref === undefined) throw await this.unknown(repository, reference);
    if (ref.kind === 'tag') {
      await this.immutable.assertDeletable(repository, [ref.tag]);
      if (!(await deleteTag(this.ctx.db, repositoryId, ref.tag)))
        throw await this.unknown(repository, reference);
      return;
    }
    await this.immutable.assertDeletable(repository, await tagNamesOn(this.ctx.db, repositoryId, ref.digest));
    const outcome = await this.ctx.db
      .transaction()
      .execute((tx) => deleteManifest(tx, repositoryId, ref.digest, this.ctx.now()));
    if (outcome === 'referenced') {
      const parents = await parentIndexes(this.ctx.db, repositoryId, ref.digest);
      throw new BerthError(
        'REFERENCED',
        `manifest ${ref.digest} is part of index ${parents[0] ?? 'another'}; delete the index first`,
      );
    }
    if (outcome === 'missing') throw await this.unknown(repository, reference);
  }

  async tags(repository: string, limit: number | undefined, last: string | undefined): Promise<Page<string>> {
    assertRepositoryName(repository);
    const repositoryId = await findRepositoryId(this.ctx.db, repository);
    if (repositoryId === undefined)
      throw new BerthError('NAME_UNKNOWN', `repository ${repository} is not known`);
    if (limit === undefined)
      return { items: await listTags(this.ctx.db, repositoryId, last, Number.MAX_SAFE_INTEGER) };
    if (limit === 0) return { items: [] };
    return toPage(await listTags(this.ctx.db, repositoryId, last, limit + 1), limit, (t) => t);
  }

  async catalog(limit: number | undefined, last: string | undefined): Promise<Page<string>> {
    const n = Math.min(limit ?? this.limits.catalogMaxEntries, this.limits.catalogMaxEntries);
    if (n === 0) return { items: [] };
    return toPage(await listRepositoryNames(this.ctx.db, last, n + 1), n, (r) => r);
  }

  /** Descriptors of the manifests whose subject is `digest`, optionally of one artifact type. */
  async referrers(
    repository: string,
    digest: string,
    artifactType: string | undefined,
  ): Promise<Descriptor[]> {
    assertRepositoryName(repository);
    parseDigest(digest);
    const repositoryId = await findRepositoryId(this.ctx.db, repository);
    if (repositoryId === undefined) return [];
    const rows = await listReferrers(this.ctx.db, repositoryId, digest, artifactType);
    return rows.map((row) => ({
      mediaType: row.media_type,
      digest: row.digest,
      size: row.size,
      ...(row.artifact_type ? { artifactType: row.artifact_type } : {}),
      ...(row.annotations ? { annotations: JSON.parse(row.annotations) as Record<string, string> } : {}),
    }));
  }

  private async unknown(repository: string, reference: string): Promise<BerthError> {
    if ((await findRepositoryId(this.ctx.db, repository)) === undefined) {
      return new BerthError('NAME_UNKNOWN', `repository ${repository} is not known`);
    }
    return new BerthError('MANIFEST_UNKNOWN', `manifest ${truncate(reference)} is not in ${repository}`);
  }
}

/**
 * Every reference is in the repository (else MANIFEST_BLOB_UNKNOWN) at the size its descriptor
 * declares (else MANIFEST_INVALID naming the descriptor: clients that verify sizes could not pull it).
 */
function assertStored(
  repository: string,
  kind: 'blob' | 'manifest',
  references: readonly DescriptorReference[],
  sizes: ReadonlyMap<string, number>,
): void {
  for (const { digest, size, where } of references) {
    const stored = sizes.get(digest);
    if (stored === undefined)
      throw new BerthError('MANIFEST_BLOB_UNKNOWN', `${kind} ${digest} is not in ${repository}`, { digest });
    if (stored !== size)
      throw new BerthError(
        'MANIFEST_INVALID',
        `${where} declares ${digest} as ${size} bytes, but the ${kind} is ${stored} bytes`,
        { digest },
      );
  }
}

/** True unless the Accept header names manifest types, none of them this one, and no wildcard. */
function acceptable(accept: string, mediaType: string): boolean {
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  if (types.includes(mediaType) || types.includes('*/*')) return true;
  return !types.some((t) => manifestMediaTypes.includes(t));
}

/** The references a manifest records, each once. */
function uniqueReferences(
  blobs: readonly DescriptorReference[],
  manifests: readonly DescriptorReference[],
): { digest: string; kind: ReferenceKind }[] {
  const unique = new Map<string, { digest: string; kind: ReferenceKind }>();
  for (const r of blobs) unique.set(`blob ${r.digest}`, { digest: r.digest, kind: 'blob' });
  for (const r of manifests) unique.set(`manifest ${r.digest}`, { digest: r.digest, kind: 'manifest' });
  return [...unique.values()];
}

/** A repository deleted between the lookup and the insert fails the insert's foreign key. */
function deletedMeanwhile(error: unknown, repository: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code !== '23503' && code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') return error;
  return new BerthError('NAME_UNKNOWN', `repository ${repository} was deleted while the manifest was pushed`);
}
