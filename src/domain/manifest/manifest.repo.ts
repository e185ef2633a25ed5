import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import {
  type Database,
  type Dialect,
  type NewManifest,
  prepared,
  type ReferenceKind,
} from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { lockLiveBlobs } from '../blob/blob.repo.js';

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

/**
 * Stores a manifest once per repository and digest and returns its id either way; keeps the
 * repository's top-level facts exact. The new manifest is top-level unless an index of the repository
 * lists it or its subject is there; the children it lists stop being top-level, and so do accessories
 * pushed before it (their subject). Children must be in the repository: one deleted meanwhile is
 * MANIFEST_BLOB_UNKNOWN (the transaction then rolls back).
 */
export async function insertManifest(
  db: Db,
  dialect: Dialect,
  manifest: NewManifest,
  references: readonly { digest: string; kind: ReferenceKind }[],
): Promise<number> {
  const repositoryId = manifest.repository_id;
  // The blobs it references stay until this transaction ends: none is being garbage-collected.
  const blobs = [...new Set(references.filter((r) => r.kind === 'blob').map((r) => r.digest))];
  if ((await lockLiveBlobs(db, dialect, blobs)).size !== blobs.length)
    throw new BerthError(
      'MANIFEST_BLOB_UNKNOWN',
      'a blob the manifest references was garbage-collected meanwhile',
    );
  // No index can list a manifest before it is stored (an index's children must be there first, and
  // none is deleted while an index lists it), so a new manifest has no parent yet.
  const subjectHere =
    manifest.subject_digest != null &&
    (await manifestId(db, repositoryId, manifest.subject_digest)) !== undefined;
  const inserted = await db
    .insertInto('manifests')
    .values({ ...manifest, parent_count: 0, top_level: subjectHere ? 0 : 1 })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    // Stored already (a push of the same manifest, now or before): it has its references.
    const id = await manifestId(db, repositoryId, manifest.digest);
    if (id === undefined) throw new Error(`manifest ${manifest.digest} vanished while being stored`);
    return id;
  }
  const unique = new Map(references.map((r) => [`${r.kind} ${r.digest}`, r]));
  if (unique.size > 0) {
    await db
      .insertInto('manifest_references')
      .values([...unique.values()].map((r) => ({ manifest_id: inserted.id, digest: r.digest, kind: r.kind })))
      .execute();
  }
  const children = [...unique.values()].filter((r) => r.kind === 'manifest').map((r) => r.digest);
  if (children.length > 0) {
    await demote(db, repositoryId, (eb) => eb('digest', 'in', children));
    const counted = await db
      .updateTable('manifests')
      .set((eb) => ({ parent_count: eb('parent_count', '+', 1) }))
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', children)
      .executeTakeFirst();
    if (Number(counted.numUpdatedRows) !== children.length)
      throw new BerthError('MANIFEST_BLOB_UNKNOWN', 'a manifest the index lists was deleted meanwhile');
  }
  await demote(db, repositoryId, (eb) => eb('subject_digest', '=', manifest.digest));
  return inserted.id;
}

type ManifestFilter = (eb: ExpressionBuilder<Database, 'manifests'>) => Expression<SqlBool>;

/** Marks the repository's top-level manifests matching the filter as not top-level. */
async function demote(db: Db, repositoryId: number, filter: ManifestFilter): Promise<void> {
  await db
    .updateTable('manifests')
    .set({ top_level: 0 })
    .where('id', 'in', candidates(db, repositoryId, filter))
    .where('top_level', '=', 1)
    .execute();
}

/**
 * The ids of the repository's manifests matching the filter, found by the filter's own index (subject
 * or digest): written as a subquery so that no planner picks the top-level index, whose range is the
 * whole repository, for the flag the update also tests.
 */
function candidates(db: Db, repositoryId: number, filter: ManifestFilter) {
  return db.selectFrom('manifests').select('id').where('repository_id', '=', repositoryId).where(filter);
}

/**
 * Marks the repository's manifests matching the filter top-level again where nothing keeps them
 * below another any more (no listing index, no subject in the repository).
 */
async function promote(db: Db, repositoryId: number, filter: ManifestFilter): Promise<void> {
  await db
    .updateTable('manifests')
    .set({ top_level: 1 })
    .where('id', 'in', candidates(db, repositoryId, filter))
    .where('top_level', '=', 0)
    .where('parent_count', '=', 0)
    .where((eb) =>
      eb.or([
        eb('subject_digest', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('manifests as s')
              .select('s.id')
              .whereRef('s.repository_id', '=', 'manifests.repository_id')
              .whereRef('s.digest', '=', 'manifests.subject_digest'),
          ),
        ),
      ]),
    )
    .execute();
}

export async function manifestId(db: Db, repositoryId: number, digest: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('manifests')
    .select('id')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row?.id;
}

/** Index manifests in the repository that list the digest as a child. */
export async function parentIndexes(db: Db, repositoryId: number, digest: string): Promise<string[]> {
  // From the references of this digest (its index), then their manifests: a cross join keeps SQLite
  // from starting with every manifest of the repository instead.
  const rows = await db
    .selectFrom('manifest_references as ref')
    .crossJoin('manifests as m')
    .whereRef('m.id', '=', 'ref.manifest_id')
    .select('m.digest')
    .where('m.repository_id', '=', repositoryId)
    .where('ref.kind', '=', 'manifest')
    .where('ref.digest', '=', digest)
    .execute();
  return rows.map((r) => r.digest);
}

export type ManifestDeletion = 'deleted' | 'missing' | 'referenced';

/**
 * Deletes the manifest and its tags unless an index of the repository lists it ('referenced'), and
 * keeps the top-level facts exact: the children it listed and the accessories whose subject it was
 * become top-level again when nothing else keeps them below. The parent count is checked by the
 * delete itself, so an index pushed concurrently either lands first (and the delete is refused) or
 * finds its child gone (and its push fails).
 */
export async function deleteManifest(
  db: Db,
  repositoryId: number,
  digest: string,
  touchAt: number | undefined,
): Promise<ManifestDeletion> {
  const id = await manifestId(db, repositoryId, digest);
  if (id === undefined) return 'missing';
  const children = await childDigests(db, id);
  // Its blobs' garbage-collection window starts over (a client may push them again at once), unless
  // garbage collection itself deletes it.
  if (touchAt !== undefined) await touchReferencedBlobs(db, id, touchAt);
  const deleted = await db
    .deleteFrom('manifests')
    .where('id', '=', id)
    .where('parent_count', '=', 0)
    .returning('id')
    .executeTakeFirst();
  if (!deleted) return (await manifestId(db, repositoryId, digest)) === undefined ? 'missing' : 'referenced';
  await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .execute();
  if (children.length > 0) {
    await db
      .updateTable('manifests')
      .set((eb) => ({ parent_count: eb('parent_count', '-', 1) }))
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', children)
      .execute();
    await promote(db, repositoryId, (eb) => eb('digest', 'in', children));
  }
  await promote(db, repositoryId, (eb) => eb('subject_digest', '=', digest));
  return 'deleted';
}

async function touchReferencedBlobs(db: Db, manifestId: number, now: number): Promise<void> {
  await db
    .updateTable('blobs')
    .set({ touched_at: now })
    .where('digest', 'in', (eb) =>
      eb
        .selectFrom('manifest_references')
        .select('digest')
        .where('manifest_id', '=', manifestId)
        .where('kind', '=', 'blob'),
    )
    .where('touched_at', '<', now)
    .where('deleting', '=', 0)
    .execute();
}

/** The digests of the manifests an index lists. */
export async function childDigests(db: Db, manifestId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('manifest_references')
    .select('digest')
    .where('manifest_id', '=', manifestId)
    .where('kind', '=', 'manifest')
    .execute();
  return rows.map((r) => r.digest);
}

/** The digests of the repository's manifests whose subject is this one. */
export async function accessoryDigests(db: Db, repositoryId: number, subject: string): Promise<string[]> {
  const rows = await db
    .selectFrom('manifests')
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', '=', subject)
    .execute();
  return rows.map((r) => r.digest);
}

/** Of these manifests of the repository, those that no index lists and no tag names. */
export async function unkeptManifests(
  db: Db,
  repositoryId: number,
  digests: readonly string[],
): Promise<string[]> {
  if (digests.length === 0) return [];
  const rows = await db
    .selectFrom('manifests as m')
    .select('m.digest')
    .where('m.repository_id', '=', repositoryId)
    .where('m.digest', 'in', digests)
    .where('m.parent_count', '=', 0)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('tags as t')
            .select('t.name')
            .whereRef('t.repository_id', '=', 'm.repository_id')
            .whereRef('t.digest', '=', 'm.digest'),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.digest);
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
