import { Cron } from 'croner';

export interface Scheduled {
  stop(): void;
  /** Runs the task now, as if its time had come (for the last scheduled time); resolves when it is done. */
  trigger(): Promise<void>;
}

export interface ScheduleOptions {
  /** An IANA time zone the pattern is read in (default: the process's local time). */
  readonly timezone?: string;
}

/**
 * Runs `task` on a cron schedule: five fields (minute hour day month weekday) or six with seconds
 * first. The task is given the scheduled time it runs for (whole seconds, whatever the timer's
 * lateness), the same on every replica with the same pattern: each replica runs its own schedule,
 * and tasks enqueue durable jobs keyed by that time, so replicas firing together do the work once.
 */
export function schedule(
  pattern: string,
  task: (scheduledAt: Date) => void | Promise<void>,
  options: ScheduleOptions = {},
): Scheduled {
  const zone = options.timezone === undefined ? {} : { timezone: options.timezone };
  const times = parseCron(pattern, options);
  const cron = new Cron(pattern, { protect: true, ...zone }, () => task(lastRun(times, new Date())));
  return { stop: () => cron.stop(), trigger: () => cron.trigger() };
}

/** The pattern as a calendar (no task): throws an Error naming the pattern when it is not a cron schedule. */
export function parseCron(pattern: string, options: ScheduleOptions = {}): Cron {
  try {
    return new Cron(pattern, options.timezone === undefined ? {} : { timezone: options.timezone });
  } catch (error) {
    throw new Error(
      `"${pattern}" is not a cron schedule: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The latest time of the calendar at or before `at` (a run within the same second counts). */
export function lastRun(times: Cron, at: Date): Date {
  return (
    times.previousRuns(1, new Date(at.getTime() + 1))[0] ?? new Date(Math.floor(at.getTime() / 1000) * 1000)
  );
}
