import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../db/index.js';
import { type Job, QueueRepo } from './queue.repo.js';

export type { Job };

export interface EnqueueOptions {
  /**
   * Skips the job when one with this key is already waiting. A running one does not count: it may be
   * working from what the new job is about (a rescan after a database update, say).
   */
  readonly dedupeKey?: string;
  /** The run the job belongs to: `cancel(batch)` takes the run's waiting jobs off the queue. */
  readonly batch?: string;
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
  private readonly repo: QueueRepo;

  constructor(
    db: Kysely<Database>,
    private readonly options: QueueOptions,
  ) {
    this.repo = new QueueRepo(db, options.dialect);
  }

  /** Adds a job; returns false when a job with the same dedupe key is already waiting to run. */
  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<boolean> {
    const now = this.options.now();
    return this.repo.insert(
      {
        kind,
        payload,
        dedupeKey: options.dedupeKey,
        batch: options.batch,
        maxAttempts: options.maxAttempts ?? 3,
        runAfter: options.runAfter ?? now,
      },
      now,
    );
  }

  /** Takes up to `limit` ready jobs of these kinds for this worker. */
  async claim(kinds: readonly string[], limit: number): Promise<Job[]> {
    if (kinds.length === 0 || limit <= 0) return [];
    const now = this.options.now();
    return this.repo.claim(kinds, limit, this.owner, now, now + this.options.leaseMs);
  }

  async complete(job: Job): Promise<void> {
    await this.repo.complete(job.id, this.owner, this.options.now());
  }

  /** Records the failure; the job runs again after a back-off until it has used its attempts. */
  async fail(job: Job, error: unknown): Promise<void> {
    const now = this.options.now();
    const message = error instanceof Error ? error.message : String(error);
    const maxAttempts = await this.repo.maxAttempts(job.id);
    const retry = maxAttempts !== undefined && job.attempts < maxAttempts;
    await this.repo.fail(
      job.id,
      this.owner,
      { retry, runAfter: retry ? now + 1000 * 2 ** job.attempts : now, error: message.slice(0, 2000) },
      now,
    );
  }

  /**
   * Takes the batch's waiting jobs off the queue and answers their payloads; jobs already running
   * finish (a worker is not interrupted).
   */
  async cancel(batch: string): Promise<unknown[]> {
    return this.repo.cancelQueued(batch);
  }

  /** Takes the waiting job with this dedupe key off the queue; false when none waits. */
  cancelKey(key: string): Promise<boolean> {
    return this.repo.cancelKey(key);
  }

  /** Removes finished jobs older than the cutoff. */
  async purge(before: number): Promise<void> {
    await this.repo.purge(before);
  }
}
