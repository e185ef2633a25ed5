import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/** Raises a cache topic's version by one (the row is made on first use). */
export async function raiseVersion(db: Kysely<Database>, topic: string): Promise<void> {
  await db
    .insertInto('cache_versions')
    .values({ topic, version: 1 })
    .onConflict((oc) =>
      oc.column('topic').doUpdateSet((eb) => ({ version: eb('cache_versions.version', '+', 1) })),
    )
    .execute();
}

/** Every topic's version. */
export async function versions(db: Kysely<Database>): Promise<{ topic: string; version: number }[]> {
  const rows = await db.selectFrom('cache_versions').select(['topic', 'version']).execute();
  return rows.map((r) => ({ topic: r.topic, version: Number(r.version) }));
}
