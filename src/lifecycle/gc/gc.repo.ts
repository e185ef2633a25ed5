import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '../../db/index.js';

type Db = Kysely<Database>;

// --- blobs

export interface BlobCandidate {
  readonly digest: string;
  readonly size: number;
}

/** What keeps a blob: a manifest references it, or it was touched or linked at or after the cutoff. */
const needed = (cutoff: number) => sql<boolean>`(b.touched_at >= ${cutoff}
  or exists (select 1 from manifest_references r where r.digest = b.digest and r.kind = 'blob')
  or exists (select 1 from repository_blobs rb where rb.digest = b.digest and rb.created_at >= ${cutoff}))`;

/** The next blobs after `after` (by digest) that nothing keeps: the mark phase, from the database alone. */
export async function unneededBlobs(
  db: Db,
  after: string,
  cutoff: number,
  limit: number,
): Promise<BlobCandidate[]> {
  const rows = await sql<{ digest: string; size: number }>`
    select b.digest, b.size from blobs b
    where b.digest > ${after} and b.deleting = 0 and not ${needed(cutoff)}
    order by b.digest limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
}

/**
 * Sets the deletion mark on those of the blobs not marked yet and answers them. On PostgreSQL the rows
 * are locked `FOR UPDATE` first, which waits for every transaction that locked them `FOR KEY SHARE`
 * to link or reference them; once this commits, no new one can (they lock only unmarked rows).
 */
export async function markDeleting(db: Db, dialect: Dialect, digests: readonly string[]): Promise<string[]> {
  if (digests.length === 0) return [];
  const rows = await db
    .updateTable('blobs')
    .set({ deleting: 1 })
    .where('digest', 'in', (eb) => {
      const marked = eb
        .selectFrom('blobs')
        .select('digest')
        .where('digest', 'in', digests)
        .where('deleting', '=', 0);
      return dialect === 'postgres' ? marked.forUpdate() : marked;
    })
    .returning('digest')
    .execute();
  return rows.map((r) => r.digest);
}

/** Of the marked blobs, those something keeps after all (a reference or link that landed before the mark). */
export async function neededAfterAll(db: Db, digests: readonly string[], cutoff: number): Promise<string[]> {
  if (digests.length === 0) return [];
  const rows = await sql<{ digest: string }>`
    select b.digest from blobs b
    where b.digest in (${sql.join(digests)}) and ${needed(cutoff)}`.execute(db);
  return rows.rows.map((r) => r.digest);
}

export async function unmark(db: Db, digests: readonly string[]): Promise<void> {
  if (digests.length === 0) return;
  await db.updateTable('blobs').set({ deleting: 0 }).where('digest', 'in', digests).execute();
}

/** Blobs marked by a run that did not finish (a crash): the next run takes them up first. */
export async function markedBlobs(db: Db, after: string, limit: number): Promise<BlobCandidate[]> {
  const rows = await db
    .selectFrom('blobs')
    .select(['digest', 'size'])
    .where('deleting', '=', 1)
    .where('digest', '>', after)
    .orderBy('digest')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
}

/** Removes the rows of marked blobs whose data is gone, with the repository links to them. */
export async function deleteMarkedRows(db: Db, dialect: Dialect, digests: readonly string[]): Promise<void> {
  if (digests.length === 0) return;
  await db.transaction().execute(async (tx) => {
    // The blob rows first, in digest order, then their links: what deletes links takes them in that order too.
    await tx
      .selectFrom('blobs')
      .select('digest')
      .where('digest', 'in', digests)
      .orderBy('digest')
      .$if(dialect === 'postgres', (q) => q.forUpdate())
      .execute();
    await tx.deleteFrom('repository_blobs').where('digest', 'in', digests).execute();
    await tx.deleteFrom('blobs').where('digest', 'in', digests).where('deleting', '=', 1).execute();
  });
}

/** Of these digests, those that have a row. */
export async function recordedDigests(db: Db, digests: readonly string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db.selectFrom('blobs').select('digest').where('digest', 'in', digests).execute();
  return new Set(rows.map((r) => r.digest));
}

/**
 * Claims data in storage that has no row (left by an upload that stopped between writing its data
 * and recording it): a row marked for deletion is inserted, so that an upload of the same digest
 * waits until the data is removed. Answers the digests claimed (not those recorded meanwhile).
 */
export async function claimOrphans(
  db: Db,
  orphans: readonly BlobCandidate[],
  now: number,
): Promise<string[]> {
  if (orphans.length === 0) return [];
  const rows = await db
    .insertInto('blobs')
    .values(
      orphans.map((o) => ({ digest: o.digest, size: o.size, created_at: now, touched_at: 0, deleting: 1 })),
    )
    .onConflict((oc) => oc.column('digest').doNothing())
    .returning('digest')
    .execute();
  return rows.map((r) => r.digest);
}

/** The manifests that reference each of the blobs (a dry run's accounting). */
export async function referencingManifests(
  db: Db,
  digests: readonly string[],
): Promise<Map<string, number[]>> {
  const map = new Map<string, number[]>();
  if (digests.length === 0) return map;
  const rows = await db
    .selectFrom('manifest_references')
    .select(['digest', 'manifest_id'])
    .where('digest', 'in', digests)
    .where('kind', '=', 'blob')
    .execute();
  for (const row of rows) map.set(row.digest, [...(map.get(row.digest) ?? []), Number(row.manifest_id)]);
  return map;
}

/** The blobs the manifests reference, with their sizes. */
export async function blobsOfManifests(db: Db, ids: readonly number[]): Promise<BlobCandidate[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('manifest_references as r')
    .innerJoin('blobs as b', 'b.digest', 'r.digest')
    .select(['b.digest', 'b.size'])
    .distinct()
    .where('r.manifest_id', 'in', ids)
    .where('r.kind', '=', 'blob')
    .execute();
  return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
}

/** Of these blobs, those that nothing but manifest references keeps (not touched or linked since the cutoff). */
export async function unneededOnceUnreferenced(
  db: Db,
  digests: readonly string[],
  cutoff: number,
): Promise<string[]> {
  if (digests.length === 0) return [];
  const rows = await sql<{ digest: string }>`
    select b.digest from blobs b
    where b.digest in (${sql.join(digests)}) and b.deleting = 0 and b.touched_at < ${cutoff}
      and not exists (select 1 from repository_blobs rb where rb.digest = b.digest and rb.created_at >= ${cutoff})`.execute(
    db,
  );
  return rows.rows.map((r) => r.digest);
}
