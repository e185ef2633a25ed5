import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { type Field, type Filters, filterConditions, type Sort } from '../query.js';
import type { TagField } from './artifact.model.js';

type Db = Kysely<Database>;

/** The digest a tag or digest names in the repository, if it names a manifest there. */
export async function resolveReference(
  db: Db,
  repositoryId: number,
  reference: { digest: string } | { tag: string },
): Promise<string | undefined> {
  if ('digest' in reference) {
    const row = await db
      .selectFrom('manifests')
      .select('digest')
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', reference.digest)
      .executeTakeFirst();
    return row?.digest;
  }
  const row = await db
    .selectFrom('tags')
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', reference.tag)
    .executeTakeFirst();
  return row?.digest;
}

export interface ManifestRecord {
  readonly id: number;
  readonly repositoryId: number;
  readonly repositoryName: string;
  readonly projectId: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly size: number;
  readonly content: Buffer;
  readonly subjectDigest: string | null;
  readonly annotations: Record<string, string>;
  readonly createdAt: number;
  readonly pullTime: number | null;
}

/** The manifests with these ids, with their repositories. */
export async function manifestsById(db: Db, ids: readonly number[]): Promise<ManifestRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select([
      'm.id',
      'm.repository_id',
      'r.name as repository_name',
      'r.project_id',
      'm.digest',
      'm.media_type',
      'm.artifact_type',
      'm.size',
      'm.content',
      'm.subject_digest',
      'm.annotations',
      'm.created_at',
      'm.pull_time',
    ])
    .where('m.id', 'in', ids)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    repositoryId: r.repository_id,
    repositoryName: r.repository_name,
    projectId: r.project_id,
    digest: r.digest,
    mediaType: r.media_type,
    artifactType: r.artifact_type,
    size: Number(r.size),
    content: r.content,
    subjectDigest: r.subject_digest,
    annotations: r.annotations ? (JSON.parse(r.annotations) as Record<string, string>) : {},
    createdAt: Number(r.created_at),
    pullTime: r.pull_time === null ? null : Number(r.pull_time),
  }));
}

/** The id of the repository's manifest of each digest (for children of an index). */
export async function manifestIds(
  db: Db,
  repositoryId: number,
  digests: readonly string[],
): Promise<Map<string, { id: number; size: number }>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifests')
    .select(['id', 'digest', 'size'])
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', [...new Set(digests)])
    .execute();
  return new Map(rows.map((r) => [r.digest, { id: r.id, size: Number(r.size) }]));
}

/** Sum of the sizes of the blobs (config and layers) each manifest references. */
export async function blobSizes(db: Db, manifestIds: readonly number[]): Promise<Map<number, number>> {
  if (manifestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifest_references as ref')
    .innerJoin('blobs as b', 'b.digest', 'ref.digest')
    .select(['ref.manifest_id', (eb) => eb.fn.sum<number>('b.size').as('total')])
    .where('ref.kind', '=', 'blob')
    .where('ref.manifest_id', 'in', [...manifestIds])
    .groupBy('ref.manifest_id')
    .execute();
  return new Map(rows.map((r) => [r.manifest_id, Number(r.total)]));
}

export interface TagRecord {
  readonly repositoryId: number;
  readonly name: string;
  readonly digest: string;
  readonly pushTime: number;
  readonly pullTime: number | null;
}

/** The tags on these digests of one repository, by name. */
export async function tagsOn(db: Db, repositoryId: number, digests: readonly string[]): Promise<TagRecord[]> {
  if (digests.length === 0) return [];
  const rows = await db
    .selectFrom('tags')
    .select(['repository_id', 'name', 'digest', 'updated_at', 'pull_time'])
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', [...new Set(digests)])
    .orderBy('name')
    .execute();
  return rows.map((t) => ({
    repositoryId: t.repository_id,
    name: t.name,
    digest: t.digest,
    pushTime: Number(t.updated_at),
    pullTime: t.pull_time === null ? null : Number(t.pull_time),
  }));
}

const tagFields: Readonly<Partial<Record<TagField, Field>>> = {
  name: { column: 't.name', type: 'text' },
  pushTime: { column: 't.updated_at', type: 'time' },
  pullTime: { column: 't.pull_time', type: 'time' },
  repositoryId: { column: 't.repository_id', type: 'integer' },
};

const tagSorts: Readonly<Partial<Record<TagField, string>>> = {
  name: 't.name',
  pushTime: 't.updated_at',
  pullTime: 't.pull_time',
};

/** One page of the tags on one artifact, by name unless sorted otherwise. */
export async function listTagsOn(
  db: Db,
  repositoryId: number,
  digest: string,
  query: PageRequest & { filters: Filters<TagField>; sorts: readonly Sort<TagField>[] },
): Promise<Listed<TagRecord>> {
  const base = db
    .selectFrom('tags as t')
    .select('t.name')
    .where('t.repository_id', '=', repositoryId)
    .where('t.digest', '=', digest)
    .where((eb) => eb.and(filterConditions(query.filters, tagFields)));
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'name' as const, desc: false }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.select(['t.repository_id', 't.digest', 't.updated_at', 't.pull_time']);
    for (const sort of sorts) {
      const column = tagSorts[sort.field];
      if (!column) throw new BerthError('INVALID_INPUT', `cannot sort tags by ${sort.field}`);
      ordered = ordered.orderBy(sql.ref(column), sort.desc ? 'desc' : 'asc');
    }
    const rows = await ordered.orderBy('t.name').execute();
    return rows.map((t) => ({
      repositoryId: t.repository_id,
      name: t.name,
      digest: t.digest,
      pushTime: Number(t.updated_at),
      pullTime: t.pull_time === null ? null : Number(t.pull_time),
    }));
  });
}

/** The digest a tag of the repository is on, if the tag exists. */
export async function tagTarget(db: Db, repositoryId: number, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('tags')
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.digest;
}

/** Removes the tag from that digest; false when the digest does not carry it. */
export async function removeTag(
  db: Db,
  repositoryId: number,
  name: string,
  digest: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', name)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface AccessoryRecord {
  readonly id: number;
  readonly digest: string;
  readonly artifactType: string | null;
  readonly size: number;
  readonly createdAt: number;
}

/** The repository's manifests whose subject is this digest, oldest first. */
export async function accessoriesOf(
  db: Db,
  repositoryId: number,
  subject: string,
): Promise<AccessoryRecord[]> {
  const rows = await db
    .selectFrom('manifests')
    .select(['id', 'digest', 'artifact_type', 'size', 'created_at'])
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', '=', subject)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    digest: r.digest,
    artifactType: r.artifact_type,
    size: Number(r.size),
    createdAt: Number(r.created_at),
  }));
}

/** The attributes read from an image's config, when cached. */
export async function cachedExtraAttrs(
  db: Db,
  manifestId: number,
): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom('manifests')
    .select('extra_attrs')
    .where('id', '=', manifestId)
    .executeTakeFirst();
  return row?.extra_attrs ? (JSON.parse(row.extra_attrs) as Record<string, unknown>) : undefined;
}

export async function cacheExtraAttrs(
  db: Db,
  manifestId: number,
  attrs: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('manifests')
    .set({ extra_attrs: JSON.stringify(attrs) })
    .where('id', '=', manifestId)
    .execute();
}

export interface StoredManifestRow {
  readonly id: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly configMediaType: string | null;
  readonly size: number;
  readonly content: Buffer;
  readonly subjectDigest: string | null;
  readonly annotations: string | null;
  readonly topLevel: boolean;
  readonly blobs: string[];
  readonly children: string[];
}

/** A manifest of the repository as stored, with the blobs and child manifests it references. */
export async function storedManifest(
  db: Db,
  repositoryId: number,
  digest: string,
): Promise<StoredManifestRow | undefined> {
  const row = await db
    .selectFrom('manifests')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  if (!row) return undefined;
  const references = await db
    .selectFrom('manifest_references')
    .select(['digest', 'kind'])
    .where('manifest_id', '=', row.id)
    .execute();
  return {
    id: row.id,
    digest: row.digest,
    mediaType: row.media_type,
    artifactType: row.artifact_type,
    configMediaType: row.config_media_type,
    size: Number(row.size),
    content: row.content,
    subjectDigest: row.subject_digest,
    annotations: row.annotations,
    topLevel: row.top_level === 1,
    blobs: references.filter((r) => r.kind === 'blob').map((r) => r.digest),
    children: references.filter((r) => r.kind === 'manifest').map((r) => r.digest),
  };
}
