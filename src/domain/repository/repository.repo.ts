import type { Kysely } from 'kysely';
import { type Database, prepared } from '../../db/index.js';

type Db = Kysely<Database>;

const repositoryIdQuery = prepared((db: Db, name: string) =>
  db.selectFrom('repositories').select('id').where('name', '=', name),
);

export async function findRepositoryId(db: Db, name: string): Promise<number | undefined> {
  return (await repositoryIdQuery(db, name))[0]?.id;
}

/** The repository's id, created on first use; safe when two requests create it at once. */
export async function ensureRepository(db: Db, name: string, now: number): Promise<number> {
  await db
    .insertInto('repositories')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const id = await findRepositoryId(db, name);
  if (id === undefined) throw new Error(`repository ${name} vanished while being created`);
  return id;
}

/** Repository names after `last`, in byte order, at most `limit` of them. */
export async function listRepositoryNames(
  db: Db,
  last: string | undefined,
  limit: number,
): Promise<string[]> {
  let query = db.selectFrom('repositories').select('name').orderBy('name').limit(limit);
  if (last !== undefined) query = query.where('name', '>', last);
  return (await query.execute()).map((r) => r.name);
}

/** Which of the digests the repository holds, as linked blobs or as manifests. */
export async function presentDigests(
  db: Db,
  table: 'repository_blobs' | 'manifests',
  repositoryId: number,
  digests: readonly string[],
): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', [...new Set(digests)])
    .execute();
  return new Set(rows.map((r) => r.digest));
}
