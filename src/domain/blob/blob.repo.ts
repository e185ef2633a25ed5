import type { Kysely } from 'kysely';
import { type Database, prepared } from '../../db/index.js';

type Db = Kysely<Database>;

const linkedBlobSizeQuery = prepared((db: Db, repository: string, digest: string) =>
  db
    .selectFrom('repository_blobs as rb')
    .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
    .innerJoin('blobs as b', 'b.digest', 'rb.digest')
    .select('b.size')
    .where('r.name', '=', repository)
    .where('rb.digest', '=', digest),
);

/** The size of a blob linked into a repository, or undefined when it is not linked there (the blob HEAD hot path). */
export async function linkedBlobSize(
  db: Db,
  repository: string,
  digest: string,
): Promise<number | undefined> {
  return (await linkedBlobSizeQuery(db, repository, digest))[0]?.size;
}

export async function storedBlobSize(db: Db, digest: string): Promise<number | undefined> {
  const row = await db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
  return row?.size;
}

export async function insertBlob(db: Db, digest: string, size: number, now: number): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ digest, size, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
}

export async function linkBlob(db: Db, repositoryId: number, digest: string, now: number): Promise<void> {
  await db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
    .execute();
}

export async function unlinkBlob(db: Db, repositoryId: number, digest: string): Promise<boolean> {
  const result = await db
    .deleteFrom('repository_blobs')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
