import { Cron } from 'croner';

export interface Scheduled {
  stop(): void;
}

/**
 * Runs `task` on a cron schedule (minute hour day month weekday). Each replica runs its own schedule;
 * tasks enqueue durable jobs with a dedupe key, so replicas firing together add one job.
 */
export function schedule(pattern: string, task: () => void): Scheduled {
  try {
    const cron = new Cron(pattern, { protect: true }, task);
    return { stop: () => cron.stop() };
  } catch (error) {
    throw new Error(
      `"${pattern}" is not a cron schedule: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
