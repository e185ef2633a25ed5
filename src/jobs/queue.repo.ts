import { type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '../db/index.js';

/** A job a worker claimed. */
export interface Job {
  readonly id: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly attempts: number;
}

/** A job as written to the queue. */
export interface NewJob {
  readonly kind: string;
  readonly payload: unknown;
  readonly dedupeKey: string | undefined;
  readonly batch: string | undefined;
  readonly maxAttempts: number;
  readonly runAfter: number;
}

/** The queue's SQL: the `jobs` table, shared by every replica. */
export class QueueRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Inserts the job; with a dedupe key, only when no job with that key is waiting (one statement). */
  async insert(job: NewJob, now: number): Promise<boolean> {
    const payload = JSON.stringify(job.payload);
    const batch = job.batch ?? null;
    if (job.dedupeKey === undefined) {
      await this.db
        .insertInto('jobs')
        .values({
          kind: job.kind,
          payload,
          dedupe_key: null,
          batch,
          status: 'queued',
          max_attempts: job.maxAttempts,
          run_after: job.runAfter,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return true;
    }
    const key = job.dedupeKey;
    const result = await sql`
      insert into jobs (kind, payload, dedupe_key, batch, status, max_attempts, run_after, created_at, updated_at)
      select ${job.kind}, ${payload}, ${key}, ${batch}, 'queued', cast(${job.maxAttempts} as integer),
        cast(${job.runAfter} as bigint), cast(${now} as bigint), cast(${now} as bigint)
      where not exists (select 1 from jobs where dedupe_key = ${key} and status = 'queued')`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Marks up to `limit` ready jobs of these kinds (or whose lease ended) as this owner's, and returns them. */
  async claim(
    kinds: readonly string[],
    limit: number,
    owner: string,
    now: number,
    leaseUntil: number,
  ): Promise<Job[]> {
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<{ id: number; kind: string; payload: string; attempts: number }>`
      update jobs set status = 'running', attempts = attempts + 1, lease_until = ${leaseUntil},
        lease_owner = ${owner}, updated_at = ${now}
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

  /** Extends the owner's lease of a running job; false when the job is no longer this owner's. */
  async renew(id: number, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Puts the owner's running job back in the queue for `runAfter`, without using up an attempt. */
  async defer(id: number, owner: string, runAfter: number, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'queued',
        attempts: eb('attempts', '-', 1),
        run_after: runAfter,
        lease_until: null,
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Takes the named lease for `owner` until `until` when it is free, expired or the owner's already
   * (one statement, so two processes never both hold it); answers whether the owner holds it.
   */
  async acquireLease(name: string, owner: string, until: number, now: number): Promise<boolean> {
    const rows = await this.db
      .insertInto('leases')
      .values({ name, owner, until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, until })
          .where((eb) => eb.or([eb('leases.until', '<', now), eb('leases.owner', '=', owner)])),
      )
      .returning('owner')
      .execute();
    return rows.length > 0;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
  }

  async complete(id: number, owner: string, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async maxAttempts(id: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .select(['max_attempts'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.max_attempts;
  }

  /** Puts the job back in the queue after `runAfter`, or ends it as failed. */
  async fail(
    id: number,
    owner: string,
    outcome: { retry: boolean; runAfter: number; error: string },
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        status: outcome.retry ? 'queued' : 'failed',
        run_after: outcome.runAfter,
        lease_until: null,
        last_error: outcome.error,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** Removes the batch's waiting jobs; answers their payloads. */
  async cancelQueued(batch: string): Promise<unknown[]> {
    const rows = await this.db
      .deleteFrom('jobs')
      .where('batch', '=', batch)
      .where('status', '=', 'queued')
      .returning('payload')
      .execute();
    return rows.map((r) => JSON.parse(r.payload) as unknown);
  }

  /** Removes the waiting job with this dedupe key; answers whether there was one. */
  async cancelKey(key: string): Promise<boolean> {
    const rows = await this.db
      .deleteFrom('jobs')
      .where('dedupe_key', '=', key)
      .where('status', '=', 'queued')
      .returning('id')
      .execute();
    return rows.length > 0;
  }

  async purge(before: number): Promise<void> {
    await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'failed'])
      .where('updated_at', '<', before)
      .execute();
  }
}
