import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../db/index.js';
import { type Job, QueueRepo } from './queue.repo.js';

export type { Job };

/** Thrown by a handler that cannot run its job yet: the job waits `afterMs` without using an attempt. */
export class JobDeferred extends Error {
  override readonly name = 'JobDeferred';
  constructor(
    readonly afterMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** A long job's hold on its lease (and named leases): renewed until stopped; `lost` aborts when it is not. */
export interface Heartbeat {
  readonly lost: AbortSignal;
  stop(): void;
}

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

  /** Puts a running job back for later without using up an attempt. */
  async defer(job: Job, afterMs: number): Promise<void> {
    const now = this.options.now();
    await this.repo.defer(job.id, this.owner, now + afterMs, now);
  }

  /** Takes the named lease for this process (for the queue's lease time); false while another holds it. */
  acquireLease(name: string): Promise<boolean> {
    const now = this.options.now();
    return this.repo.acquireLease(name, this.owner, now + this.options.leaseMs, now);
  }

  releaseLease(name: string): Promise<void> {
    return this.repo.releaseLease(name, this.owner);
  }

  /**
   * Renews the job's lease, and the named leases, every third of the lease time while the job runs,
   * so that a job longer than the lease is not claimed again elsewhere. When a renewal finds the job
   * or a lease taken over (this process stalled past the lease), `lost` aborts: the job must stop.
   */
  heartbeat(job: Job, leases: readonly string[] = []): Heartbeat {
    const controller = new AbortController();
    const renew = async () => {
      const now = this.options.now();
      const until = now + this.options.leaseMs;
      const held =
        (await this.repo.renew(job.id, this.owner, until, now)) &&
        (await Promise.all(leases.map((name) => this.repo.acquireLease(name, this.owner, until, now)))).every(
          Boolean,
        );
      if (!held) controller.abort(new Error(`the lease of job ${job.id} was taken over`));
    };
    const timer = setInterval(
      () => void renew().catch(() => undefined),
      Math.max(1000, Math.floor(this.options.leaseMs / 3)),
    );
    timer.unref();
    return { lost: controller.signal, stop: () => clearInterval(timer) };
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
