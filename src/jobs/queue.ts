import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '../db/index.js';

export interface Job {
  readonly id: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly attempts: number;
}

export interface EnqueueOptions {
  /**
   * Skips the job when one with this key is already waiting. A running one does not count: it may be
   * working from what the new job is about (a rescan after a database update, say).
   */
  readonly dedupeKey?: string;
  readonly runAfter?: number;
  readonly maxAttempts?: number;
}

export interface QueueOptions {
  readonly dialect: Dialect;
  readonly now: () => number;
  /** How long a claimed job is its worker's; a job whose lease ends is claimed again. */
  readonly leaseMs: number;
}

/**
 * The durable job queue: a table with leases and retries, shared by every replica. Claiming is one
 * statement (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so two workers never take the same job;
 * a worker that dies leaves its jobs to be claimed again when their lease ends.
 */
export class JobQueue {
  readonly owner = randomUUID();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: QueueOptions,
  ) {}

  /** Adds a job; returns false when a job with the same dedupe key is already waiting to run. */
  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<boolean> {
    const now = this.options.now();
    const values = {
      kind,
      payload: JSON.stringify(payload),
      dedupe_key: options.dedupeKey ?? null,
      status: 'queued' as const,
      max_attempts: options.maxAttempts ?? 3,
      run_after: options.runAfter ?? now,
      created_at: now,
      updated_at: now,
    };
    if (options.dedupeKey === undefined) {
      await this.db.insertInto('jobs').values(values).execute();
      return true;
    }
    const key = options.dedupeKey;
    const result = await sql`
      insert into jobs (kind, payload, dedupe_key, status, max_attempts, run_after, created_at, updated_at)
      select ${values.kind}, ${values.payload}, ${key}, 'queued', cast(${values.max_attempts} as integer),
        cast(${values.run_after} as bigint), cast(${now} as bigint), cast(${now} as bigint)
      where not exists (select 1 from jobs where dedupe_key = ${key} and status = 'queued')`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Takes up to `limit` ready jobs of these kinds for this worker. */
  async claim(kinds: readonly string[], limit: number): Promise<Job[]> {
    if (kinds.length === 0 || limit <= 0) return [];
    const now = this.options.now();
    const lock = this.options.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<{ id: number; kind: string; payload: string; attempts: number }>`
      update jobs set status = 'running', attempts = attempts + 1, lease_until = ${now + this.options.leaseMs},
        lease_owner = ${this.owner}, updated_at = ${now}
      where id in (
        select id from jobs
        where kind in (${sql.join(kinds)})
          and ((status = 'queued' and run_after <= ${now}) or (status = 'running' and lease_until < ${now}))
        order by run_after, id
        limit ${limit} ${lock}
      )
      returning id, kind, payload, attempts`.execute(this.db);
    return result.rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      payload: JSON.parse(r.payload),
      attempts: Number(r.attempts),
    }));
  }

  async complete(job: Job): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', lease_until: null, updated_at: this.options.now() })
      .where('id', '=', job.id)
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  /** Records the failure; the job runs again after a back-off until it has used its attempts. */
  async fail(job: Job, error: unknown): Promise<void> {
    const now = this.options.now();
    const message = error instanceof Error ? error.message : String(error);
    const row = await this.db
      .selectFrom('jobs')
      .select(['max_attempts'])
      .where('id', '=', job.id)
      .executeTakeFirst();
    const retry = row !== undefined && job.attempts < row.max_attempts;
    await this.db
      .updateTable('jobs')
      .set({
        status: retry ? 'queued' : 'failed',
        run_after: retry ? now + 1000 * 2 ** job.attempts : now,
        lease_until: null,
        last_error: message.slice(0, 2000),
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  /** Removes finished jobs older than the cutoff. */
  async purge(before: number): Promise<void> {
    await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'failed'])
      .where('updated_at', '<', before)
      .execute();
  }
}
