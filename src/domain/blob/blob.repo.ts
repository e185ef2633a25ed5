import { type Kysely, sql } from 'kysely';
import { type Database, type Dialect, prepared } from '../../db/index.js';

type Db = Kysely<Database>;

const linkedBlobSizeQuery = prepared((db: Db, repository: string, digest: string) =>
  db
    .selectFrom('repository_blobs as rb')
    .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
    .innerJoin('blobs as b', 'b.digest', 'rb.digest')
    .select('b.size')
    .where('r.name', '=', repository)
    .where('rb.digest', '=', digest)
    .where('b.deleting', '=', sql.lit(0)),
);

/**
 * The size of a blob linked into a repository, or undefined when it is not linked there or garbage
 * collection is removing it (the blob HEAD hot path).
 */
export async function linkedBlobSize(
  db: Db,
  repository: string,
  digest: string,
): Promise<number | undefined> {
  return (await linkedBlobSizeQuery(db, repository, digest))[0]?.size;
}

/** A stored blob's size and whether garbage collection is removing it; undefined when there is none. */
export async function blobState(
  db: Db,
  digest: string,
): Promise<{ readonly size: number; readonly deleting: boolean } | undefined> {
  const row = await db
    .selectFrom('blobs')
    .select(['size', 'deleting'])
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row && { size: Number(row.size), deleting: row.deleting === 1 };
}

/** Records blob data just written to storage (nothing when the blob is recorded already). */
export async function insertBlob(db: Db, digest: string, size: number, now: number): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ digest, size, created_at: now, touched_at: now })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
}

/**
 * The blobs among `digests` that are stored and not being removed, locked against garbage collection
 * until the caller's transaction ends (PostgreSQL: `FOR KEY SHARE`, which concurrent pushes share and a
 * sweep's `FOR UPDATE` waits for; SQLite runs one transaction at a time). Whatever links or references
 * a blob calls this first in the same transaction, and goes on only with the digests it answers.
 */
export async function lockLiveBlobs(
  db: Db,
  dialect: Dialect,
  digests: readonly string[],
): Promise<Map<string, number>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('blobs')
    .select(['digest', 'size'])
    .where('digest', 'in', [...new Set(digests)])
    .where('deleting', '=', 0)
    .$if(dialect === 'postgres', (q) => q.forKeyShare())
    .execute();
  return new Map(rows.map((r) => [r.digest, Number(r.size)]));
}

/**
 * Links a live blob into a repository (a new link or a renewed one both count as the blob's last
 * link for garbage collection's window); false, linking nothing, when the blob is not stored or is
 * being removed.
 */
export async function linkBlob(
  db: Db,
  dialect: Dialect,
  repositoryId: number,
  digest: string,
  now: number,
): Promise<boolean> {
  if (!(await lockLiveBlobs(db, dialect, [digest])).has(digest)) return false;
  await db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet({ created_at: now }))
    .execute();
  return true;
}

/** Records that the blobs were just unlinked or uploaded again: garbage collection's window starts over. */
export async function touchBlobs(db: Db, digests: readonly string[], now: number): Promise<void> {
  if (digests.length === 0) return;
  await db
    .updateTable('blobs')
    .set({ touched_at: now })
    .where('digest', 'in', [...new Set(digests)])
    .where('touched_at', '<', now)
    // A blob being removed stays as the sweep saw it (its data may be gone already).
    .where('deleting', '=', 0)
    .execute();
}

export async function unlinkBlob(
  db: Db,
  repositoryId: number,
  digest: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('repository_blobs')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  const removed = Number(result.numDeletedRows) > 0;
  if (removed) await touchBlobs(db, [digest], now);
  return removed;
}
