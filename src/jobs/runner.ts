import type { Logger } from 'pino';
import { type Job, JobDeferred, type JobQueue } from './queue.js';

export type JobHandler = (payload: unknown, job: Job) => Promise<void>;

export interface RunnerOptions {
  /** Jobs run at once by this process. */
  readonly concurrency: number;
  /** How often an idle runner looks for work. */
  readonly pollMs: number;
}

/**
 * Runs queued jobs with registered handlers, at most `concurrency` at once per process. It polls
 * while idle and is woken at once by a local enqueue; stop() waits for the jobs in hand.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private polling = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    private readonly options: RunnerOptions,
  ) {}

  handle(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks for work now (after an enqueue in this process, say). */
  wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const free = this.options.concurrency - this.running.size;
      const jobs = free > 0 ? await this.queue.claim([...this.handlers.keys()], free) : [];
      for (const job of jobs) {
        const run = this.run(job).finally(() => {
          this.running.delete(run);
          this.wake();
        });
        this.running.add(run);
      }
    } catch (error) {
      this.logger.error({ module: 'jobs', err: error }, 'failed to claim jobs');
    } finally {
      this.polling = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.poll(), this.options.pollMs);
        this.timer.unref();
      }
    }
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for ${job.kind}`);
      await handler(job.payload, job);
      await this.queue.complete(job);
    } catch (error) {
      if (error instanceof JobDeferred) {
        this.logger.debug({ module: 'jobs', kind: job.kind, id: job.id, why: error.message }, 'job deferred');
        await this.queue
          .defer(job, error.afterMs)
          .catch((e: unknown) => this.logger.error({ module: 'jobs', err: e }, 'failed to defer a job'));
        return;
      }
      this.logger.warn(
        { module: 'jobs', kind: job.kind, id: job.id, attempt: job.attempts, err: error },
        'job failed',
      );
      await this.queue
        .fail(job, error)
        .catch((e: unknown) =>
          this.logger.error({ module: 'jobs', err: e }, 'failed to record a job failure'),
        );
    }
  }

  /** Stops claiming and waits for the jobs in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.running]);
  }
}
