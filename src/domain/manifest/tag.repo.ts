import type { Kysely } from 'kysely';
import { type Database, type Dialect, prepared } from '../../db/index.js';

type Db = Kysely<Database>;

/** Tags: put on a manifest, read, removed, and the repository's tags list (the /v2 hot path). */

/**
 * Puts the tag on the manifest (moving it when it was elsewhere); false, tagging nothing, when the
 * manifest is not in the repository. The manifest is locked (`FOR KEY SHARE` on PostgreSQL) until the
 * transaction ends, so that garbage collection of untagged manifests, which locks it `FOR UPDATE`
 * before it looks for tags, either sees the tag or has deleted the manifest first.
 */
export async function upsertTag(
  db: Db,
  dialect: Dialect,
  repositoryId: number,
  name: string,
  digest: string,
  now: number,
): Promise<boolean> {
  const manifest = await db
    .selectFrom('manifests')
    .select('id')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .$if(dialect === 'postgres', (q) => q.forKeyShare())
    .executeTakeFirst();
  if (!manifest) return false;
  await db
    .insertInto('tags')
    .values({ repository_id: repositoryId, name, digest, updated_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ digest, updated_at: now }))
    .execute();
  return true;
}

/** The names of the tags on a manifest of the repository. */
export async function tagNamesOn(db: Db, repositoryId: number, digest: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tags')
    .select('name')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .execute();
  return rows.map((r) => r.name);
}

export async function deleteTag(db: Db, repositoryId: number, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', name)
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
