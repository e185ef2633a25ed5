import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { Quota } from './quota.model.js';

type Db = Kysely<Database>;

/** The shard a limited project counts its bytes in (its row is what a push locks to check the limit). */
const limitedShard = '**';

/** Gives a new project its quota (and, with a limit, the usage row pushes lock). */
export async function insertQuota(db: Db, projectId: number, hard: number, now: number): Promise<void> {
  await db
    .insertInto('quotas')
    .values({ project_id: projectId, hard, created_at: now, updated_at: now })
    .execute();
  if (hard >= 0) await ensureLimitedShard(db, projectId);
}

async function ensureLimitedShard(db: Db, projectId: number): Promise<void> {
  await db
    .insertInto('quota_usage')
    .values({ project_id: projectId, shard: limitedShard, used: 0 })
    .onConflict((oc) => oc.columns(['project_id', 'shard']).doNothing())
    .execute();
}

const quotaQuery = (db: Db) =>
  db
    .selectFrom('quotas as q')
    .innerJoin('projects as p', 'p.id', 'q.project_id')
    .innerJoin('users as u', 'u.id', 'p.owner_id')
    .select([
      'q.id',
      'q.project_id',
      'p.name as project_name',
      'u.username as owner_name',
      'q.hard',
      'q.created_at',
      'q.updated_at',
      (eb) =>
        eb
          .selectFrom('quota_usage as qu')
          .select(sql<number>`coalesce(sum(qu.used), 0)`.as('used'))
          .whereRef('qu.project_id', '=', 'q.project_id')
          .as('used'),
    ]);

type QuotaRow = {
  id: number;
  project_id: number;
  project_name: string;
  owner_name: string;
  hard: number;
  used: number | string | null;
  created_at: number;
  updated_at: number;
};

const toQuota = (row: QuotaRow): Quota => ({
  id: Number(row.id),
  projectId: Number(row.project_id),
  projectName: row.project_name,
  ownerName: row.owner_name,
  hard: Number(row.hard),
  used: Number(row.used ?? 0),
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

export async function quotaById(db: Db, id: number): Promise<Quota | undefined> {
  const row = await quotaQuery(db).where('q.id', '=', id).executeTakeFirst();
  return row && toQuota(row);
}

export async function quotaOfProject(db: Db, projectId: number): Promise<Quota | undefined> {
  const row = await quotaQuery(db).where('q.project_id', '=', projectId).executeTakeFirst();
  return row && toQuota(row);
}

export type QuotaSort = 'creation_time' | 'update_time' | 'hard' | 'used';

/** A page of quotas (one project's with `projectId`), by a Harbor sort key (newest first by default). */
export async function listQuotas(
  db: Db,
  query: {
    projectId?: number | undefined;
    sort?: { key: QuotaSort; desc: boolean } | undefined;
    offset: number;
    limit: number;
  },
): Promise<{ total: number; items: Quota[] }> {
  let listed = quotaQuery(db);
  let counted = db.selectFrom('quotas as q').select((eb) => eb.fn.countAll<number>().as('n'));
  if (query.projectId !== undefined) {
    listed = listed.where('q.project_id', '=', query.projectId);
    counted = counted.where('q.project_id', '=', query.projectId);
  }
  const sort = query.sort ?? { key: 'creation_time', desc: true };
  const direction = sort.desc ? sql`desc` : sql`asc`;
  // Harbor sorts an unlimited (-1) hard as the largest.
  const column = {
    creation_time: sql`q.created_at`,
    update_time: sql`q.updated_at`,
    hard: sql`case when q.hard < 0 then 9223372036854775807 else q.hard end`,
    used: sql`used`,
  }[sort.key];
  const [count, rows] = await Promise.all([
    counted.executeTakeFirstOrThrow(),
    listed
      .orderBy(sql`${column} ${direction}`)
      .orderBy('q.id', 'desc')
      .offset(query.offset)
      .limit(query.limit)
      .execute(),
  ]);
  return { total: Number(count.n), items: rows.map(toQuota) };
}

export async function setHard(db: Db, id: number, hard: number, now: number): Promise<Quota | undefined> {
  const row = await db
    .updateTable('quotas')
    .set({ hard, updated_at: now })
    .where('id', '=', id)
    .returning('project_id')
    .executeTakeFirst();
  if (!row) return undefined;
  if (hard >= 0) await ensureLimitedShard(db, Number(row.project_id));
  return quotaById(db, id);
}

/** Harbor's size format: `%d B` below 1 KiB, else one decimal of the largest binary unit. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  const units = 'KMGTPE';
  let value = bytes;
  let unit = -1;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}iB`;
}

/**
 * Refuses (QUOTA_EXCEEDED, in Harbor's words with the project named) to link into the repository
 * what would take its project over its limit: the bytes of the digests the project does not hold
 * yet. A project without a limit passes at once. With one, the project's limited shard row is locked
 * first (PostgreSQL `FOR UPDATE`; SQLite runs one transaction at a time), so concurrent pushes into
 * it are checked one after another and the limit holds exactly. Run it in the linking transaction.
 */
export async function assertRoom(
  db: Db,
  dialect: Dialect,
  repositoryId: number,
  adding: readonly { readonly digest: string; readonly size: number }[],
): Promise<void> {
  const quota = await db
    .selectFrom('repositories as r')
    .innerJoin('quotas as q', 'q.project_id', 'r.project_id')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select(['q.project_id', 'q.hard', 'p.name'])
    .where('r.id', '=', repositoryId)
    .executeTakeFirst();
  if (!quota || Number(quota.hard) < 0 || adding.length === 0) return;
  const projectId = Number(quota.project_id);
  await db
    .selectFrom('quota_usage')
    .select('used')
    .where('project_id', '=', projectId)
    .where('shard', '=', limitedShard)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .execute();
  const unique = new Map(adding.map((a) => [a.digest, a.size]));
  const held = await db
    .selectFrom('project_blobs')
    .select('digest')
    .where('project_id', '=', projectId)
    .where('digest', 'in', [...unique.keys()])
    .execute();
  for (const row of held) unique.delete(row.digest);
  const added = [...unique.values()].reduce((sum, size) => sum + size, 0);
  if (added === 0) return;
  const usage = await db
    .selectFrom('quota_usage')
    .select(sql<number>`coalesce(sum(used), 0)`.as('used'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  const used = Number(usage.used);
  const hard = Number(quota.hard);
  if (used + added > hard)
    throw new BerthError(
      'QUOTA_EXCEEDED',
      `project ${quota.name}: adding ${formatBytes(added)} of storage resource, which when updated to current usage of ${formatBytes(used)} will exceed the configured upper limit of ${formatBytes(hard)}.`,
      { project: quota.name, hard, used, adding: added },
    );
}

/** The sum recomputed from what each project holds (for checks): each digest once per project. */
export async function recomputedUsage(db: Db, projectId: number): Promise<number> {
  const row = await sql<{ used: number | string | null }>`
    select coalesce(sum(size), 0) as used from (
      select rb.digest, max(b.size) as size from repository_blobs rb
        join repositories r on r.id = rb.repository_id join blobs b on b.digest = rb.digest
        where r.project_id = ${projectId} group by rb.digest
      union
      select m.digest, max(m.size) as size from manifests m join repositories r on r.id = m.repository_id
        where r.project_id = ${projectId} group by m.digest
    ) held`.execute(db);
  return Number(row.rows[0]?.used ?? 0);
}
