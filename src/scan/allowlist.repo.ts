import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { CveAllowlist } from './allowlist.model.js';

type Db = Kysely<Database>;

/** The project's list (0: the system's); an empty, never-expiring list when none was stored. */
export async function allowlistOf(db: Db, projectId: number): Promise<CveAllowlist> {
  const row = await db
    .selectFrom('cve_allowlists')
    .selectAll()
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return {
    projectId,
    expiresAt: row?.expires_at ? new Date(Number(row.expires_at) * 1000) : undefined,
    items: row ? (JSON.parse(row.items) as string[]) : [],
    createdAt: row ? new Date(Number(row.created_at)) : undefined,
    updatedAt: row ? new Date(Number(row.updated_at)) : undefined,
  };
}

/** Replaces the project's list. */
export async function storeAllowlist(
  db: Db,
  projectId: number,
  items: readonly string[],
  expiresAtSeconds: number | null,
  now: number,
): Promise<void> {
  const values = { expires_at: expiresAtSeconds, items: JSON.stringify(items), updated_at: now };
  await db
    .insertInto('cve_allowlists')
    .values({ project_id: projectId, created_at: now, ...values })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
    .execute();
}
