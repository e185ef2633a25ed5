import type { Kysely } from 'kysely';
import { type Database, type NewManifest, prepared, type ReferenceKind } from '../../db/index.js';

type Db = Kysely<Database>;

export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly content: Buffer;
}

const manifestColumns = ['m.digest', 'm.media_type', 'm.content'] as const;

function toStored(row: { digest: string; media_type: string; content: Buffer }): StoredManifest {
  return { digest: row.digest, mediaType: row.media_type, content: row.content };
}

const manifestByDigestQuery = prepared((db: Db, repository: string, digest: string) =>
  db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select(manifestColumns)
    .where('r.name', '=', repository)
    .where('m.digest', '=', digest),
);

const manifestByTagQuery = prepared((db: Db, repository: string, tag: string) =>
  db
    .selectFrom('tags as t')
    .innerJoin('repositories as r', 'r.id', 't.repository_id')
    .innerJoin('manifests as m', (join) =>
      join.onRef('m.repository_id', '=', 't.repository_id').onRef('m.digest', '=', 't.digest'),
    )
    .select(manifestColumns)
    .where('r.name', '=', repository)
    .where('t.name', '=', tag),
);

export async function manifestByDigest(
  db: Db,
  repository: string,
  digest: string,
): Promise<StoredManifest | undefined> {
  const row = (await manifestByDigestQuery(db, repository, digest))[0];
  return row && toStored(row);
}

export async function manifestByTag(
  db: Db,
  repository: string,
  tag: string,
): Promise<StoredManifest | undefined> {
  const row = (await manifestByTagQuery(db, repository, tag))[0];
  return row && toStored(row);
}

/** Stores a manifest once per repository and digest; returns its id either way. */
export async function insertManifest(
  db: Db,
  manifest: NewManifest,
  references: readonly { digest: string; kind: ReferenceKind }[],
): Promise<number> {
  const existing = await db
    .selectFrom('manifests')
    .select('id')
    .where('repository_id', '=', manifest.repository_id)
    .where('digest', '=', manifest.digest)
    .executeTakeFirst();
  if (existing) return existing.id;
  const inserted = await db
    .insertInto('manifests')
    .values(manifest)
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    // A concurrent push of the same manifest won the insert; it also wrote the references.
    const row = await db
      .selectFrom('manifests')
      .select('id')
      .where('repository_id', '=', manifest.repository_id)
      .where('digest', '=', manifest.digest)
      .executeTakeFirstOrThrow();
    return row.id;
  }
  const unique = new Map(references.map((r) => [`${r.kind} ${r.digest}`, r]));
  if (unique.size > 0) {
    await db
      .insertInto('manifest_references')
      .values([...unique.values()].map((r) => ({ manifest_id: inserted.id, digest: r.digest, kind: r.kind })))
      .execute();
  }
  return inserted.id;
}

export async function upsertTag(
  db: Db,
  repositoryId: number,
  name: string,
  digest: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('tags')
    .values({ repository_id: repositoryId, name, digest, updated_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ digest, updated_at: now }))
    .execute();
}

export async function deleteTag(db: Db, repositoryId: number, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Index manifests in the repository that list the digest as a child. */
export async function parentIndexes(db: Db, repositoryId: number, digest: string): Promise<string[]> {
  const rows = await db
    .selectFrom('manifest_references as ref')
    .innerJoin('manifests as m', 'm.id', 'ref.manifest_id')
    .select('m.digest')
    .where('m.repository_id', '=', repositoryId)
    .where('ref.kind', '=', 'manifest')
    .where('ref.digest', '=', digest)
    .execute();
  return rows.map((r) => r.digest);
}

export async function deleteManifest(db: Db, repositoryId: number, digest: string): Promise<boolean> {
  await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .execute();
  const result = await db
    .deleteFrom('manifests')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

const firstTagsQuery = prepared((db: Db, repositoryId: number, limit: number) =>
  db.selectFrom('tags').select('name').where('repository_id', '=', repositoryId).orderBy('name').limit(limit),
);

const nextTagsQuery = prepared((db: Db, repositoryId: number, last: string, limit: number) =>
  db
    .selectFrom('tags')
    .select('name')
    .where('repository_id', '=', repositoryId)
    .where('name', '>', last)
    .orderBy('name')
    .limit(limit),
);

export async function listTags(
  db: Db,
  repositoryId: number,
  last: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows =
    last === undefined
      ? await firstTagsQuery(db, repositoryId, limit)
      : await nextTagsQuery(db, repositoryId, last, limit);
  return rows.map((r) => r.name);
}

export interface ReferrerRow {
  digest: string;
  media_type: string;
  artifact_type: string | null;
  size: number;
  annotations: string | null;
}

export async function listReferrers(
  db: Db,
  repositoryId: number,
  subject: string,
  artifactType: string | undefined,
): Promise<ReferrerRow[]> {
  let query = db
    .selectFrom('manifests')
    .select(['digest', 'media_type', 'artifact_type', 'size', 'annotations'])
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', '=', subject)
    .orderBy('created_at')
    .orderBy('id');
  if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
  return query.execute();
}
