import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Candidate, RetentionPolicy } from './retention.model.js';

type Db = Kysely<Database>;

export async function policyById(db: Db, id: number): Promise<RetentionPolicy | undefined> {
  const row = await db
    .selectFrom('retention_policies')
    .select(['id', 'policy'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { ...(JSON.parse(row.policy) as RetentionPolicy), id: Number(row.id) };
}

export async function policyOfProject(db: Db, projectId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('retention_policies')
    .select('id')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

export async function insertPolicy(
  db: Db,
  policy: Omit<RetentionPolicy, 'id'>,
  now: number,
): Promise<number | undefined> {
  const row = await db
    .insertInto('retention_policies')
    .values({
      project_id: policy.scope.ref,
      policy: JSON.stringify(policy),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

export async function updatePolicy(db: Db, id: number, policy: Omit<RetentionPolicy, 'id'>, now: number) {
  await db
    .updateTable('retention_policies')
    .set({ policy: JSON.stringify(policy), updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function deletePolicy(db: Db, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('system_runs').where('vendor', '=', 'RETENTION').where('ref_id', '=', id).execute();
    await tx.deleteFrom('retention_policies').where('id', '=', id).execute();
  });
}

/** The project's repositories, by name (a project's list, not a table's). */
export async function repositoriesOf(db: Db, projectId: number): Promise<{ id: number; name: string }[]> {
  const rows = await db
    .selectFrom('repositories')
    .select(['id', 'name'])
    .where('project_id', '=', projectId)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}

/** Harbor's candidates of a repository: each top-level artifact with its tags, labels and times. */
export async function candidatesOf(db: Db, repositoryId: number): Promise<Candidate[]> {
  const [manifests, tags, labels] = await Promise.all([
    db
      .selectFrom('manifests')
      .select(['id', 'digest', 'created_at', 'pull_time'])
      .where('repository_id', '=', repositoryId)
      .where('top_level', '=', 1)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('tags')
      .select(['name', 'digest', 'updated_at', 'pull_time'])
      .where('repository_id', '=', repositoryId)
      .execute(),
    db
      .selectFrom('artifact_labels as al')
      .innerJoin('labels as l', 'l.id', 'al.label_id')
      .innerJoin('manifests as m', 'm.id', 'al.manifest_id')
      .select(['al.manifest_id', 'l.name'])
      .where('m.repository_id', '=', repositoryId)
      .execute(),
  ]);
  const byDigest = new Map<string, typeof tags>();
  for (const tag of tags) byDigest.set(tag.digest, [...(byDigest.get(tag.digest) ?? []), tag]);
  const labelsOf = new Map<number, string[]>();
  for (const l of labels)
    labelsOf.set(Number(l.manifest_id), [...(labelsOf.get(Number(l.manifest_id)) ?? []), l.name]);
  return manifests.map((m) => {
    const own = byDigest.get(m.digest) ?? [];
    return {
      id: Number(m.id),
      digest: m.digest,
      tags: own.map((t) => t.name).sort(),
      labels: labelsOf.get(Number(m.id)) ?? [],
      pushedTime: Math.max(Number(m.created_at), ...own.map((t) => Number(t.updated_at))),
      pulledTime: Math.max(Number(m.pull_time ?? 0), ...own.map((t) => Number(t.pull_time ?? 0))),
      createdTime: Number(m.created_at),
    };
  });
}

// --- tasks

export interface RetentionTask {
  readonly id: number;
  readonly executionId: number;
  readonly repository: string;
  readonly status: string;
  readonly total: number;
  readonly retained: number;
  readonly startTime: Date;
  readonly endTime: Date | undefined;
}

export async function insertTask(
  db: Db,
  executionId: number,
  repository: string,
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('retention_tasks')
    .values({ execution_id: executionId, repository, status: 'Running', start_time: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishTask(
  db: Db,
  id: number,
  outcome: { status: string; total: number; retained: number },
  now: number,
): Promise<void> {
  await db
    .updateTable('retention_tasks')
    .set({ status: outcome.status, total: outcome.total, retained: outcome.retained, end_time: now })
    .where('id', '=', id)
    .execute();
}

export async function tasksOf(
  db: Db,
  executionId: number,
  page: { offset: number; limit: number },
): Promise<{ total: number; items: RetentionTask[] }> {
  const [count, rows] = await Promise.all([
    db
      .selectFrom('retention_tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('execution_id', '=', executionId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('retention_tasks')
      .selectAll()
      .where('execution_id', '=', executionId)
      .orderBy('id')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      executionId: Number(r.execution_id),
      repository: r.repository,
      status: r.status,
      total: Number(r.total),
      retained: Number(r.retained),
      startTime: new Date(Number(r.start_time)),
      endTime: r.end_time === null ? undefined : new Date(Number(r.end_time)),
    })),
  };
}

export async function taskStatuses(db: Db, executionId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('retention_tasks')
    .select('status')
    .where('execution_id', '=', executionId)
    .execute();
  return rows.map((r) => r.status);
}
