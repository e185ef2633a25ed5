import type { CacheSignals } from '../domain/cache-signals.js';
import type { ServiceContext } from '../domain/context.js';
import { BerthError } from '../lib/errors.js';
import { parseCron, type Scheduled, schedule } from './cron.js';
import type { JobQueue } from './queue.js';
import type { CronType, ScheduledFire, StoredSchedule } from './schedules.model.js';
import * as repo from './schedules.repo.js';

/** Schedules are read in UTC on every replica, so all of them agree on when "daily at midnight" is. */
const timezone = 'UTC';

/** The names each field of a six-field cron may use besides numbers (months, then days of the week). */
const cronNames: readonly (readonly string[] | undefined)[] = [
  undefined,
  undefined,
  undefined,
  undefined,
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
];

/**
 * Harbor's `ValidateCronString`: six fields (seconds first) and the seconds field 0, in Harbor's
 * words (`invalid cron string for scheduled <label>: …`).
 */
export function validateCron(cron: string | undefined, label: string): string {
  const invalid = (why: string) =>
    new BerthError(
      'INVALID_INPUT',
      `invalid cron string for scheduled ${label}: ${cron ?? ''}, error: ${why}`,
    );
  if (!cron) throw invalid('empty cron string is invalid');
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6)
    throw invalid(`expected exactly 6 fields, found ${fields.length}: [${fields.join(' ')}]`);
  // Harbor's parser (robfig/cron) knows numbers, `*`, `?`, ranges, steps, lists and month and day
  // names; croner also takes L, W and #, which Harbor refuses.
  fields.forEach((field, i) => {
    for (const atom of field.split(/[,/-]/)) {
      const named = (cronNames[i] ?? []).includes(atom.toLowerCase());
      if (atom !== '*' && atom !== '?' && !/^\d+$/.test(atom) && !named)
        throw invalid(`failed to parse int from ${atom}: strconv.Atoi: parsing "${atom}": invalid syntax`);
    }
  });
  try {
    parseCron(cron, { timezone });
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  if (fields[0] !== '0')
    throw invalid('the 1st field (indicating Seconds of time) of the cron setting must be 0');
  return cron;
}

export interface ScheduleKind {
  /** Harbor's vendor type: the schedule's row (`SCAN_ALL`, `GARBAGE_COLLECTION`). */
  readonly vendor: string;
  /** How Harbor's messages name it ("scan all", "gc"). */
  readonly label: string;
  /** The job a fire queues, with a ScheduledFire payload. */
  readonly job: string;
}

/**
 * One kind of scheduled work, stored in the database, and this replica's timer for it.
 *
 * How replicas agree, and why a schedule fires once:
 * - The database holds the one schedule. A change (from any replica, or the CLI) commits, then raises
 *   the `schedules` cache topic; every process polls the topics each `database.cacheSyncMs` and, when
 *   `schedules` moved, reads the schedule again and re-arms its timer (the changing process at once).
 *   So every replica follows a change within about a second, with no restart.
 * - Every replica arms a timer (croner, in UTC) and fires on its own; a fire names the scheduled
 *   time it is for (whole seconds, the same on every replica however late its timer ran). Before it
 *   does anything, a fire reads the schedule from the database again and drops out unless the stored
 *   cron has a run at that time: a replica that has not heard of a change yet cannot fire the old
 *   schedule.
 * - A fire queues the kind's job with the dedupe key `schedule <time>`, so replicas firing together
 *   mostly add one job; whichever job runs creates the run with that key as its `fire_key`, which is
 *   unique in the database: a second job for the same time (a replica that fired after the first
 *   job was taken) finds the run made and does nothing. Exactly one run per scheduled time, and the
 *   durable queue carries it through a crash of the replica that fired.
 */
export class Schedules {
  private armed: { cron: string; timer: Scheduled } | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private started = false;

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly kind: ScheduleKind,
    private readonly deps: {
      readonly queue: JobQueue;
      readonly signals: CacheSignals;
      readonly wake: () => void;
    },
  ) {}

  /** The stored schedule; undefined when none is set. */
  async get(): Promise<StoredSchedule | undefined> {
    const record = await repo.scheduleOf(this.ctx.db, this.kind.vendor);
    return (
      record && {
        ...record,
        nextRun: parseCron(record.cron, { timezone }).nextRun(new Date(this.ctx.now())) ?? undefined,
      }
    );
  }

  /** Sets (or replaces) the schedule; the cron is checked as Harbor checks it. */
  async set(
    cronType: CronType,
    cron: string | undefined,
    parameters: Readonly<Record<string, unknown>> = {},
  ) {
    const valid = validateCron(cron, this.kind.label);
    await repo.replaceSchedule(
      this.ctx.db,
      this.kind.vendor,
      { cronType, cron: valid, parameters },
      this.ctx.now(),
    );
    await this.changed();
  }

  /** Removes the schedule; false when there was none. */
  async remove(): Promise<boolean> {
    const removed = await repo.deleteSchedule(this.ctx.db, this.kind.vendor);
    if (removed) await this.changed();
    return removed;
  }

  private async changed(): Promise<void> {
    // Raising the topic re-arms the other processes' timers within a poll; this one's is re-armed
    // before the change is answered.
    await this.deps.signals.raise('schedules');
    await this.refresh();
  }

  /** Arms this replica's timer from the stored schedule, and follows every change of it. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.deps.signals.on('schedules', () => void this.refresh());
    await this.refresh();
  }

  stop(): void {
    this.started = false;
    this.armed?.timer.stop();
    this.armed = undefined;
  }

  /** The cron this replica's timer follows (undefined: none armed). */
  get armedCron(): string | undefined {
    return this.armed?.cron;
  }

  /** Fires this replica's timer now, as if its time had come (the last scheduled time counts). */
  async fireNow(): Promise<void> {
    await this.armed?.timer.trigger();
  }

  /** Reads the schedule again and re-arms the timer when it changed (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(
      () => this.rearm(),
      () => this.rearm(),
    );
    return this.refreshing;
  }

  private async rearm(): Promise<void> {
    if (!this.started) return;
    let cron: string | undefined;
    try {
      cron = (await repo.scheduleOf(this.ctx.db, this.kind.vendor))?.cron;
    } catch (error) {
      this.ctx.logger.error(
        { module: 'jobs', vendor: this.kind.vendor, err: error },
        'failed to read a schedule',
      );
      return;
    }
    // Stopped while reading, or nothing changed: no timer to (re)arm.
    if (!this.started || cron === this.armed?.cron) return;
    this.armed?.timer.stop();
    this.armed =
      cron === undefined ? undefined : { cron, timer: schedule(cron, (at) => this.fire(at), { timezone }) };
    this.ctx.logger.info({ module: 'jobs', vendor: this.kind.vendor, cron: cron ?? null }, 'schedule armed');
  }

  private fire(at: Date): Promise<void> {
    return this.queueFire(at).catch((error: unknown) =>
      this.ctx.logger.error(
        { module: 'jobs', vendor: this.kind.vendor, err: error },
        'failed to queue a scheduled run',
      ),
    );
  }

  private async queueFire(at: Date): Promise<void> {
    const current = await repo.scheduleOf(this.ctx.db, this.kind.vendor);
    if (!current || !parseCron(current.cron, { timezone }).match(at)) return;
    const fireKey = `schedule ${at.toISOString()}`;
    const payload: ScheduledFire = { trigger: 'SCHEDULE', fireKey, parameters: current.parameters };
    await this.deps.queue.enqueue(this.kind.job, payload, { dedupeKey: `${this.kind.vendor} ${fireKey}` });
    this.deps.wake();
  }
}
