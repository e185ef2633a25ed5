import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.js';

type Db = Kysely<Database>;

/** The failure counts of these keys whose window has not ended. */
export async function currentFailures(
  db: Db,
  keys: readonly string[],
  now: number,
): Promise<{ key: string; failures: number; windowEndsAt: number }[]> {
  const rows = await db
    .selectFrom('login_failures')
    .select(['key', 'failures', 'window_ends_at'])
    .where('key', 'in', keys)
    .where('window_ends_at', '>', now)
    .execute();
  return rows.map((r) => ({ key: r.key, failures: r.failures, windowEndsAt: Number(r.window_ends_at) }));
}

/**
 * Counts one more failure for each key, in one statement per key so that concurrent failures on any
 * replica all count: a window that has ended starts again at one.
 */
export async function countFailure(
  db: Db,
  keys: readonly string[],
  now: number,
  windowMs: number,
): Promise<void> {
  for (const key of keys) {
    await db
      .insertInto('login_failures')
      .values({ key, failures: 1, window_ends_at: now + windowMs })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql`case when login_failures.window_ends_at > ${now} then login_failures.failures + 1 else 1 end`,
          window_ends_at: sql`case when login_failures.window_ends_at > ${now} then login_failures.window_ends_at else excluded.window_ends_at end`,
        }),
      )
      .execute();
  }
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

/** Removes counts whose window ended. */
export async function pruneFailures(db: Db, now: number): Promise<void> {
  await db.deleteFrom('login_failures').where('window_ends_at', '<=', now).execute();
}
