import type { CacheSignals } from '../domain/cache-signals.js';
import type { ServiceContext } from '../domain/context.js';
import { BerthError } from '../lib/errors.js';
import type { Job, JobQueue } from './queue.js';
import { RunLog, type RunQuery, type SystemRun, SystemRuns } from './runs.repo.js';
import { Schedules } from './schedules.js';
import type { CronType, ScheduledFire } from './schedules.model.js';

/** How a kind of system job is named and kept. */
export interface SystemJobKind {
  /** Harbor's vendor type: the runs' and the schedule's (`GARBAGE_COLLECTION`, `PURGE_AUDIT_LOG`). */
  readonly vendor: string;
  /** The queue's job kind. */
  readonly job: string;
  /** How many of the latest runs are kept. */
  readonly keep: number;
  /** How a missing run is named in Harbor's 404 (`garbage collection execution 7 not found`). */
  readonly notFound: (id: number) => string;
}

/**
 * A system job Harbor shows as executions with a log (GC, audit-log purge): a run is recorded, then
 * queued; whichever replica takes the job carries it out (a scheduled fire makes its run first, once
 * per fire whichever replica fires). Subclasses say what a run does and how a schedule's stored
 * parameters read.
 */
export abstract class SystemJob<P, R> {
  protected readonly runs: SystemRuns<P, R>;

  constructor(
    protected readonly ctx: ServiceContext,
    protected readonly deps: {
      readonly queue: JobQueue;
      readonly wake: () => void;
      /** While it answers true (read-only mode), runs end at once having changed nothing. */
      readonly readOnly?: (() => boolean) | undefined;
    },
    protected readonly kind: SystemJobKind,
  ) {
    this.runs = new SystemRuns(ctx.db, kind.vendor, kind.keep);
  }

  get vendor(): string {
    return this.kind.vendor;
  }

  get jobKind(): string {
    return this.kind.job;
  }

  /** Records a manual run and queues it; answers its id. */
  async start(parameters: P): Promise<number> {
    const id = await this.runs.insert(
      { trigger: 'MANUAL', parameters, refId: this.refOf(parameters) },
      this.ctx.now(),
    );
    if (id === undefined) throw new Error(`a manual ${this.kind.vendor} run was refused as a duplicate`);
    await this.deps.queue.enqueue(this.kind.job, { runId: id }, { maxAttempts: 3 });
    this.deps.wake();
    return id;
  }

  list(query: RunQuery): Promise<{ total: number; items: SystemRun<P, R>[] }> {
    return this.runs.list(query);
  }

  async get(id: number): Promise<SystemRun<P, R>> {
    const run = await this.runs.get(id);
    if (!run) throw new BerthError('NOT_FOUND', this.kind.notFound(id));
    return run;
  }

  async log(id: number): Promise<string> {
    await this.get(id);
    return this.runs.log(id);
  }

  /** Asks the run to stop (a run still waiting ends at once); a run that has ended stays as it is. */
  async stop(id: number): Promise<void> {
    await this.get(id);
    await this.runs.requestStop(id, this.ctx.now());
  }

  /** The job handler: the run the job is for, carried out unless it has ended (or was stopped waiting). */
  readonly handler = async (payload: unknown, job: Job): Promise<void> => {
    const given = payload as { runId: number } | ScheduledFire;
    let runId: number | undefined;
    if ('runId' in given) runId = given.runId;
    else {
      const parameters = this.fromSchedule(given.parameters);
      const refId = this.refOf(parameters);
      // One run per fire and per what it belongs to (each retention policy fires on its own).
      const fireKey = refId === undefined ? given.fireKey : `${given.fireKey} policy ${refId}`;
      runId = await this.runs.insert({ trigger: 'SCHEDULE', parameters, fireKey, refId }, this.ctx.now());
    }
    if (runId === undefined) return;
    const run = await this.get(runId);
    if (run.status !== 'Pending' && run.status !== 'Running') return;
    if (this.deps.readOnly?.()) {
      const log = await RunLog.open(this.runs as SystemRuns<unknown, unknown>, run.id, this.ctx.now);
      log.line('the registry is in read-only mode: this run changed nothing');
      await log.flush();
      await this.runs.setStatus(run.id, 'Stopped', this.ctx.now());
      return;
    }
    await this.execute(run, job);
  };

  /** What a run belongs to, when the vendor has several (a retention policy); none by default. */
  protected refOf(_parameters: P): number | undefined {
    return undefined;
  }

  /** The parameters of a run that a schedule fires, from what the schedule stored. */
  protected abstract fromSchedule(stored: Readonly<Record<string, unknown>>): P;

  /** Carries out (or, after a crash, resumes) the run; it sets the run's status as it goes. */
  protected abstract execute(run: SystemRun<P, R>, job: Job): Promise<void>;
}

/**
 * A system job's schedule with Harbor's semantics (POST and PUT alike): Manual starts a run now and
 * answers its id, None removes the schedule, any other type replaces it (Harbor keeps one, and a new
 * one replaces it rather than being refused), storing the parameters a fire runs with in Harbor's
 * words. See Schedules for how replicas agree.
 */
export class SystemJobSchedules<P> extends Schedules {
  constructor(
    ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly system: SystemJob<P, unknown>,
    options: { readonly label: string; readonly stored: (parameters: P) => Record<string, unknown> },
    deps: { readonly queue: JobQueue; readonly signals: CacheSignals; readonly wake: () => void },
  ) {
    super(ctx, { vendor: system.vendor, label: options.label, job: system.jobKind }, deps);
    this.stored = options.stored;
  }

  private readonly stored: (parameters: P) => Record<string, unknown>;

  /** Carries out the request; answers the id of the run a Manual request started. */
  async apply(
    type: CronType | 'Manual' | 'None',
    cron: string | undefined,
    parameters: P,
  ): Promise<number | undefined> {
    if (type === 'Manual') return this.system.start(parameters);
    if (type === 'None') await this.remove();
    else await this.set(type, cron, this.stored(parameters));
    return undefined;
  }
}
