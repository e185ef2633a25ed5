import type { CacheSignals } from '../../domain/cache-signals.js';
import type { ServiceContext } from '../../domain/context.js';
import { type JobQueue, Schedules, type StoredSchedule } from '../../jobs/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ScheduleRequest } from './scan-all.model.js';
import { type ScanAllService, scanAllJob } from './scan-all.service.js';

/** The vendor type of the scan-all schedule (Harbor's). */
const scanAllVendor = 'SCAN_ALL';

/** The scan-all schedule with Harbor's semantics for creating and updating it (see Schedules for replicas). */
export class ScanAllSchedules extends Schedules {
  constructor(
    ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly scan: {
      readonly scanAll: ScanAllService;
      readonly queue: JobQueue;
      readonly signals: CacheSignals;
      readonly wake: () => void;
    },
  ) {
    super(ctx, { vendor: scanAllVendor, label: 'scan all', job: scanAllJob }, scan);
  }

  /**
   * Harbor's createScanAllSchedule: None does nothing, Manual starts a run now, any other type sets
   * the schedule unless one is set already (412).
   */
  async create(request: ScheduleRequest): Promise<void> {
    if (request.type === 'None') return;
    if (request.type === 'Manual') {
      await this.scan.scanAll.startManual();
      return;
    }
    if (await this.get())
      throw new BerthError(
        'PRECONDITION_FAILED',
        'fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule',
      );
    await this.set(request.type, request.cron);
  }

  /** Harbor's updateScanAllSchedule: None removes the schedule, Manual is refused, others replace it. */
  async update(request: ScheduleRequest): Promise<void> {
    if (request.type === 'Manual')
      throw new BerthError(
        'INVALID_INPUT',
        `fail to update scan all schedule as wrong schedule type: ${request.type}`,
      );
    if (request.type === 'None') {
      await this.remove();
      return;
    }
    const current: StoredSchedule | undefined = await this.get();
    if (current && current.cronType === request.type && current.cron === request.cron) return;
    await this.set(request.type, request.cron);
  }
}
