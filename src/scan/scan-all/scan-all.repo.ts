import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { ExecutionStatus, ScanAllExecution, ScanAllTrigger, TaskStatus } from './scan-all.model.js';

type Db = Kysely<Database>;

const insertBatch = 200;

// --- executions and their tasks

type ExecutionRow = {
  id: number;
  trigger: string;
  status: string;
  start_time: number;
  end_time: number | null;
  stopped_at: number | null;
};

const toExecution = (row: ExecutionRow): ScanAllExecution => ({
  id: Number(row.id),
  trigger: row.trigger as ScanAllTrigger,
  status: row.status as ExecutionStatus,
  startTime: new Date(Number(row.start_time)),
  endTime: row.end_time === null ? undefined : new Date(Number(row.end_time)),
  stoppedAt: row.stopped_at === null ? undefined : new Date(Number(row.stopped_at)),
});

export interface NewTask {
  readonly repository: string;
  readonly digest: string;
  readonly scanner: string;
}

/**
 * Creates a run and its tasks (all Pending) in one transaction. With a fire key, only the first
 * run for that key is created: undefined when one exists already (another replica fired it).
 */
export async function createExecution(
  db: Db,
  trigger: ScanAllTrigger,
  fireKey: string | undefined,
  tasks: readonly NewTask[],
  now: number,
): Promise<ScanAllExecution | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('scan_all_executions')
      .values({
        trigger,
        status: 'Running',
        fire_key: fireKey ?? null,
        start_time: now,
        end_time: null,
        stopped_at: null,
      })
      .onConflict((oc) => oc.column('fire_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const unique = [...new Map(tasks.map((t) => [t.digest, t])).values()];
    for (let i = 0; i < unique.length; i += insertBatch) {
      await tx
        .insertInto('scan_all_tasks')
        .values(
          unique.slice(i, i + insertBatch).map((t) => ({
            execution_id: Number(row.id),
            digest: t.digest,
            repository: t.repository,
            scanner: t.scanner,
            status: 'Pending',
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
    return toExecution(row);
  });
}

export async function executionByFireKey(db: Db, fireKey: string): Promise<ScanAllExecution | undefined> {
  const row = await db
    .selectFrom('scan_all_executions')
    .selectAll()
    .where('fire_key', '=', fireKey)
    .executeTakeFirst();
  return row && toExecution(row);
}

/** The latest run (by start time), of one trigger or any. */
export async function latestExecution(
  db: Db,
  trigger?: ScanAllTrigger,
): Promise<ScanAllExecution | undefined> {
  const row = await db
    .selectFrom('scan_all_executions')
    .selectAll()
    .$if(trigger !== undefined, (q) => q.where('trigger', '=', trigger as ScanAllTrigger))
    .orderBy('start_time', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toExecution(row);
}

/** How many of the run's tasks are in each status. */
export async function taskCounts(db: Db, executionId: number): Promise<Record<TaskStatus, number>> {
  const rows = await db
    .selectFrom('scan_all_tasks')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('execution_id', '=', executionId)
    .groupBy('status')
    .execute();
  const counts: Record<TaskStatus, number> = { Pending: 0, Running: 0, Success: 0, Error: 0, Stopped: 0 };
  for (const row of rows) if (row.status in counts) counts[row.status as TaskStatus] = Number(row.n);
  return counts;
}

export async function pendingTasks(db: Db, executionId: number): Promise<NewTask[]> {
  return db
    .selectFrom('scan_all_tasks')
    .select(['repository', 'digest', 'scanner'])
    .where('execution_id', '=', executionId)
    .where('status', '=', 'Pending')
    .execute();
}

/**
 * Moves the open tasks (in `from`) waiting for a scan of this digest by this scanner to `to`: only
 * tasks made before the scan began, so a scan that started earlier does not count for a later run.
 * Answers the runs whose tasks moved.
 */
export async function progressTasks(
  db: Db,
  scan: { digest: string; scanner: string; startedAt: number },
  from: readonly TaskStatus[],
  to: TaskStatus,
  now: number,
): Promise<number[]> {
  const rows = await db
    .updateTable('scan_all_tasks')
    .set({ status: to, updated_at: now })
    .where('digest', '=', scan.digest)
    .where('scanner', '=', scan.scanner)
    .where('status', 'in', [...from])
    .where('created_at', '<=', scan.startedAt)
    .returning('execution_id')
    .execute();
  return [...new Set(rows.map((r) => Number(r.execution_id)))];
}

/** Notes that the run was asked to stop, and stops its tasks not begun yet. */
export async function stopExecution(db: Db, executionId: number, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('scan_all_executions')
      .set({ stopped_at: now })
      .where('id', '=', executionId)
      .where('stopped_at', 'is', null)
      .execute();
    await tx
      .updateTable('scan_all_tasks')
      .set({ status: 'Stopped', updated_at: now })
      .where('execution_id', '=', executionId)
      .where('status', '=', 'Pending')
      .execute();
  });
}

/** Ends a run whose tasks are all final: Stopped if it was stopped, Error if a task failed, else Success. */
export async function finishIfDone(db: Db, executionId: number, now: number): Promise<void> {
  const counts = await taskCounts(db, executionId);
  if (counts.Pending + counts.Running > 0) return;
  const row = await db
    .selectFrom('scan_all_executions')
    .select(['stopped_at'])
    .where('id', '=', executionId)
    .executeTakeFirst();
  if (!row) return;
  const status: ExecutionStatus =
    row.stopped_at !== null || counts.Stopped > 0 ? 'Stopped' : counts.Error > 0 ? 'Error' : 'Success';
  await db
    .updateTable('scan_all_executions')
    .set({ status, end_time: now })
    .where('id', '=', executionId)
    .where('end_time', 'is', null)
    .execute();
}

/** Removes finished runs (and their tasks) beyond the newest `keep`. */
export async function purgeExecutions(db: Db, keep: number): Promise<void> {
  const cutoff = await db
    .selectFrom('scan_all_executions')
    .select('id')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (!cutoff) return;
  const old = db
    .selectFrom('scan_all_executions')
    .select('id')
    .where('id', '<=', Number(cutoff.id))
    .where('end_time', 'is not', null);
  await db.deleteFrom('scan_all_tasks').where('execution_id', 'in', old).execute();
  await db
    .deleteFrom('scan_all_executions')
    .where('id', '<=', Number(cutoff.id))
    .where('end_time', 'is not', null)
    .execute();
}
