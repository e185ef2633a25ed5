import type { CacheSignals } from '../../domain/cache-signals.js';
import type { ServiceContext } from '../../domain/context.js';
import { type CronType, type JobQueue, Schedules } from '../../jobs/index.js';
import type { GcParameters } from './gc.model.js';
import { type GcService, gcJob, gcVendor } from './gc.service.js';

/** Harbor's schedule body for GC: `schedule.type` (and cron) with `parameters`. */
export interface GcScheduleRequest {
  readonly type: CronType | 'Manual' | 'None';
  readonly cron?: string | undefined;
  readonly parameters: { deleteUntagged?: boolean; dryRun?: boolean; workers?: number };
}

/**
 * The GC schedule with Harbor's semantics (POST and PUT alike): Manual starts a run now and answers
 * its id, None removes the schedule, any other type replaces the schedule (Harbor keeps one, and a
 * new one replaces it rather than being refused). The stored parameters are Harbor's
 * `{delete_untagged, dry_run, workers}`; a fire makes the run with them. See Schedules for replicas.
 */
export class GcSchedules extends Schedules {
  constructor(
    ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly gc: GcService,
    deps: { readonly queue: JobQueue; readonly signals: CacheSignals; readonly wake: () => void },
  ) {
    super(ctx, { vendor: gcVendor, label: 'gc', job: gcJob }, deps);
  }

  /** Carries out the request; answers the id of the run a Manual request started. */
  async apply(request: GcScheduleRequest): Promise<number | undefined> {
    const parameters: GcParameters = this.gc.parameters(request.parameters);
    if (request.type === 'Manual') return this.gc.start(parameters);
    if (request.type === 'None') {
      await this.remove();
      return undefined;
    }
    await this.set(request.type, request.cron, {
      delete_untagged: parameters.deleteUntagged,
      dry_run: parameters.dryRun,
      workers: parameters.workers,
    });
    return undefined;
  }
}
