import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { allOf, type Field, type Filters, filterConditions, type Sort } from '../domain/query.js';

type Db = Kysely<Database>;

/** Harbor's job statuses, as an execution shows them. */
export type RunStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
export type RunTrigger = 'MANUAL' | 'SCHEDULE';

/** One run of a system job (GC, audit-log purge): what it was asked, how it stands, what it did. */
export interface SystemRun<P, R> {
  readonly id: number;
  readonly trigger: RunTrigger;
  /** What the run belongs to, when its vendor has several (a retention policy's id). */
  readonly refId: number | undefined;
  readonly parameters: P;
  readonly status: RunStatus;
  readonly result: Partial<R>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When someone asked it to stop. */
  readonly stoppedAt: Date | undefined;
}

/** What a list of runs filters and sorts by. */
export type RunField = 'id' | 'status' | 'trigger' | 'createdAt' | 'updatedAt';

const runFields: Readonly<Record<RunField, Field>> = {
  id: { column: 'id', type: 'integer' },
  status: { column: 'status', type: 'text' },
  trigger: { column: 'trigger', type: 'text' },
  createdAt: { column: 'created_at', type: 'time' },
  updatedAt: { column: 'updated_at', type: 'time' },
};

/** A page of runs: filters and sorts on their fields, and (a retention policy's) whose runs. */
export interface RunQuery {
  readonly offset: number;
  readonly limit: number;
  readonly filters?: Filters<RunField>;
  readonly sorts?: readonly Sort<RunField>[];
  /** Only the runs of this (a retention policy's id). */
  readonly refId?: number | undefined;
}

type Row = {
  id: number;
  ref_id: number | null;
  trigger: string;
  parameters: string;
  status: string;
  result: string;
  created_at: number;
  updated_at: number;
  stopped_at: number | null;
};

function toRun<P, R>(row: Row): SystemRun<P, R> {
  return {
    id: Number(row.id),
    refId: row.ref_id === null ? undefined : Number(row.ref_id),
    trigger: row.trigger as RunTrigger,
    parameters: JSON.parse(row.parameters) as P,
    status: row.status as RunStatus,
    result: JSON.parse(row.result) as Partial<R>,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    stoppedAt: row.stopped_at === null ? undefined : new Date(Number(row.stopped_at)),
  };
}

/** The runs of one vendor, the latest `keep` of them kept (Harbor keeps 50 GC and 10 purge executions). */
export class SystemRuns<P, R> {
  constructor(
    private readonly db: Db,
    readonly vendor: string,
    private readonly keep: number,
  ) {}

  /** Records a new run (Pending until its job starts); with a fire key, only the first run for it. */
  async insert(
    run: { trigger: RunTrigger; parameters: P; fireKey?: string | undefined; refId?: number | undefined },
    now: number,
  ): Promise<number | undefined> {
    const row = await this.db
      .insertInto('system_runs')
      .values({
        vendor: this.vendor,
        ref_id: run.refId ?? null,
        trigger: run.trigger,
        parameters: JSON.stringify(run.parameters),
        status: 'Pending',
        fire_key: run.fireKey ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['vendor', 'fire_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return undefined;
    const old = await this.db
      .selectFrom('system_runs')
      .select('id')
      .where('vendor', '=', this.vendor)
      .where((eb) => (run.refId === undefined ? eb('ref_id', 'is', null) : eb('ref_id', '=', run.refId)))
      // Only ended runs go: a queued or running one keeps its row however many came after it.
      .where('status', 'in', ['Success', 'Error', 'Stopped'])
      .orderBy('id', 'desc')
      .offset(this.keep)
      .limit(1000)
      .execute();
    if (old.length > 0) {
      const ids = old.map((r) => Number(r.id));
      await this.db
        .deleteFrom('execution_logs')
        .where('vendor', '=', this.vendor)
        .where('execution_id', 'in', ids)
        .execute();
      await this.db.deleteFrom('system_runs').where('id', 'in', ids).execute();
    }
    return Number(row.id);
  }

  async get(id: number): Promise<SystemRun<P, R> | undefined> {
    const row = await this.db
      .selectFrom('system_runs')
      .selectAll()
      .where('vendor', '=', this.vendor)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRun<P, R>(row);
  }

  /** A page of the runs matching the filters, newest first unless sorted otherwise. */
  async list(query: RunQuery): Promise<{ total: number; items: SystemRun<P, R>[] }> {
    const conditions = filterConditions(query.filters ?? {}, runFields);
    const matching = () =>
      this.db
        .selectFrom('system_runs')
        .where('vendor', '=', this.vendor)
        .$if(query.refId !== undefined, (q) => q.where('ref_id', '=', query.refId as number))
        .where(allOf(conditions));
    let listed = matching().selectAll();
    for (const sort of query.sorts ?? [])
      listed = listed.orderBy(runFields[sort.field].column as 'id', sort.desc ? 'desc' : 'asc');
    const [count, rows] = await Promise.all([
      matching()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      listed.orderBy('id', 'desc').offset(query.offset).limit(query.limit).execute(),
    ]);
    return { total: Number(count.n), items: rows.map((row) => toRun<P, R>(row)) };
  }

  async setStatus(id: number, status: RunStatus, now: number): Promise<void> {
    await this.db.updateTable('system_runs').set({ status, updated_at: now }).where('id', '=', id).execute();
  }

  async setResult(id: number, result: Partial<R>, now: number): Promise<void> {
    await this.db
      .updateTable('system_runs')
      .set({ result: JSON.stringify(result), updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Asks a run that has not ended to stop (one still Pending ends at once); false when it had ended. */
  async requestStop(id: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('system_runs')
      .set({ stopped_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['Pending', 'Running'])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await this.db
      .updateTable('system_runs')
      .set({ status: 'Stopped', updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'Pending')
      .execute();
    return true;
  }

  /** The next sequence number of a run's log (it goes on where a run interrupted by a crash left it). */
  async nextLogSeq(id: number): Promise<number> {
    const row = await this.db
      .selectFrom('execution_logs')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('vendor', '=', this.vendor)
      .where('execution_id', '=', id)
      .executeTakeFirst();
    return row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq) + 1;
  }

  async appendLog(id: number, seq: number, text: string): Promise<void> {
    await this.db
      .insertInto('execution_logs')
      .values({ vendor: this.vendor, execution_id: id, seq, text })
      .execute();
  }

  async log(id: number): Promise<string> {
    const rows = await this.db
      .selectFrom('execution_logs')
      .select('text')
      .where('vendor', '=', this.vendor)
      .where('execution_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map((r) => r.text).join('');
  }
}

/** A run's log, written a batch of lines at a time (so every replica can show it while it runs). */
export class RunLog {
  private lines: string[] = [];

  constructor(
    private readonly runs: SystemRuns<unknown, unknown>,
    private readonly id: number,
    private seq: number,
    private readonly now: () => number,
  ) {}

  static async open(runs: SystemRuns<unknown, unknown>, id: number, now: () => number): Promise<RunLog> {
    return new RunLog(runs, id, await runs.nextLogSeq(id), now);
  }

  line(text: string): void {
    this.lines.push(`${new Date(this.now()).toISOString()} ${text}\n`);
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    await this.runs.appendLog(this.id, this.seq++, text);
  }
}
