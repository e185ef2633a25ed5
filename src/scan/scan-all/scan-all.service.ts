import type { ServiceContext } from '../../domain/context.js';
import type { JobHandler, JobQueue } from '../../jobs/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ScanAttempt, ScanObserver } from '../scan.model.js';
import type { ScanService } from '../scan.service.js';
import type { ScannerRegistrations } from '../scanners/registrations.js';
import type { ScanAllTarget, ScanScheduler } from '../scheduler.js';
import type { ScanAllExecution, ScanAllProgress, ScanAllTrigger } from './scan-all.model.js';
import * as repo from './scan-all.repo.js';

export const scanAllJob = 'scan-all';

/** Runs kept with their tasks (Harbor's execution sweep keeps a similar number). */
const keptExecutions = 50;

/** A scheduled fire, as the job queue carries it from the replica that fired to the one that runs it. */
interface ScanAllPayload {
  readonly trigger: ScanAllTrigger;
  readonly fireKey: string;
}

const batchOf = (execution: { id: number }) => `scan-all ${execution.id}`;

/**
 * Harbor's scan all: each run (manual or scheduled) is an execution with a task per artifact, each
 * task a scan on the durable queue by the artifact's project scanner. A task follows its scan
 * (whichever job runs it: a scan already waiting for the same digest serves the run too) through the
 * ScanObserver hooks; the run ends when its last task does. Stopping a run takes its waiting scans
 * off the queue (their reports read Stopped) and stops its tasks not begun; scans already running finish.
 */
export class ScanAllService implements ScanObserver {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly deps: {
      readonly scans: ScanService;
      readonly scheduler: ScanScheduler;
      readonly registrations: ScannerRegistrations;
      readonly queue: JobQueue;
    },
  ) {
    deps.scans.observe(this);
  }

  /**
   * Harbor answers every scan-all operation 412 when no scanner registration is the default. Berth
   * keeps one marked (the built-in scanner unless another was chosen), so this holds unless the
   * registrations were edited behind Berth's back.
   */
  async requireScanner(): Promise<void> {
    if (!(await this.deps.registrations.markedDefault()))
      throw new BerthError('PRECONDITION_FAILED', "no scanner is configured, it's not possible to scan");
  }

  /** Starts a manual run unless the last manual one is still going (Harbor's 409, in Harbor's words). */
  async startManual(): Promise<ScanAllExecution> {
    const last = await this.progress('MANUAL');
    if (last?.ongoing)
      throw new BerthError(
        'CONFLICT',
        `a previous scan all job aleady exits, its status is ${last.execution.status}`,
      );
    return this.start('MANUAL') as Promise<ScanAllExecution>;
  }

  /**
   * Starts a run: a task per artifact, then a scan queued for each. A fire key (a scheduled fire
   * time) makes the run once for all replicas: when the key has a run already, that run's tasks
   * not begun are queued again (a retry after a crash mid-way; the dedupe keys keep it from doubling
   * anything) and undefined is answered.
   */
  async start(trigger: ScanAllTrigger, fireKey?: string): Promise<ScanAllExecution | undefined> {
    const targets = await this.deps.scheduler.scanAllTargets();
    const execution = await repo.createExecution(this.ctx.db, trigger, fireKey, targets, this.ctx.now());
    if (!execution) {
      const existing =
        fireKey === undefined ? undefined : await repo.executionByFireKey(this.ctx.db, fireKey);
      if (existing && existing.endTime === undefined && existing.stoppedAt === undefined)
        await this.queue(existing, await repo.pendingTasks(this.ctx.db, existing.id));
      return undefined;
    }
    await this.queue(execution, targets);
    await repo.finishIfDone(this.ctx.db, execution.id, this.ctx.now());
    await repo.purgeExecutions(this.ctx.db, keptExecutions);
    this.ctx.logger.info(
      { module: 'scan', execution: execution.id, trigger, tasks: targets.length },
      'started scanning all artifacts',
    );
    return execution;
  }

  private async queue(execution: ScanAllExecution, targets: readonly ScanAllTarget[]): Promise<void> {
    for (const target of targets) await this.deps.scheduler.queueScan(target, batchOf(execution));
    this.deps.scheduler.wake();
  }

  /**
   * Stops the latest run (of any trigger): Harbor's 400 when there never was one; a finished run is
   * left as it is (Harbor answers 202 all the same).
   */
  async stop(): Promise<void> {
    const execution = await repo.latestExecution(this.ctx.db);
    if (!execution) throw new BerthError('INVALID_INPUT', 'no scan all job is found currently');
    if (execution.endTime !== undefined) return;
    const now = this.ctx.now();
    const cancelled = (await this.deps.queue.cancel(batchOf(execution))) as ScanAllTarget[];
    for (const scan of cancelled) await this.deps.scans.markStopped(scan.digest, scan.scanner);
    await repo.stopExecution(this.ctx.db, execution.id, now);
    await repo.finishIfDone(this.ctx.db, execution.id, now);
    this.ctx.logger.info(
      { module: 'scan', execution: execution.id, cancelled: cancelled.length },
      'stopped scanning all artifacts',
    );
  }

  /** The latest run (of one trigger, or any) and its tasks' counts; undefined when there was none. */
  async progress(trigger?: ScanAllTrigger): Promise<ScanAllProgress | undefined> {
    const execution = await repo.latestExecution(this.ctx.db, trigger);
    if (!execution) return undefined;
    const counts = await repo.taskCounts(this.ctx.db, execution.id);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const completed = counts.Success + counts.Error + counts.Stopped;
    return {
      execution,
      counts,
      total,
      completed,
      ongoing: execution.status === 'Running' || total !== completed,
    };
  }

  /** Job: a scheduled fire; the first job for a fire time makes the run, any later one finds it made. */
  readonly handler: JobHandler = async (payload) => {
    const { trigger, fireKey } = payload as ScanAllPayload;
    const execution = await this.start(trigger, fireKey);
    if (!execution)
      this.ctx.logger.debug({ module: 'scan', fireKey }, 'scheduled scan all already started elsewhere');
  };

  async began(attempt: ScanAttempt): Promise<void> {
    await repo.progressTasks(this.ctx.db, attempt, ['Pending'], 'Running', this.ctx.now());
  }

  async ended(attempt: ScanAttempt, status: 'Success' | 'Error'): Promise<void> {
    const now = this.ctx.now();
    const runs = await repo.progressTasks(this.ctx.db, attempt, ['Pending', 'Running'], status, now);
    for (const id of runs) await repo.finishIfDone(this.ctx.db, id, now);
  }
}
