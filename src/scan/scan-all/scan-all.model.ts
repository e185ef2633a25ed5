import type { ScheduleType } from '../../jobs/index.js';

/** What started a scan-all run (Harbor's execution trigger). */
export type ScanAllTrigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

/** Harbor's job statuses, of a run's tasks (one per artifact). */
export const taskStatuses = ['Pending', 'Running', 'Success', 'Error', 'Stopped'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** A run is Running until every task is final, then Success, Error (a task failed) or Stopped. */
export type ExecutionStatus = 'Running' | 'Success' | 'Error' | 'Stopped';

/** One scan-all run. */
export interface ScanAllExecution {
  readonly id: number;
  readonly trigger: ScanAllTrigger;
  readonly status: ExecutionStatus;
  readonly startTime: Date;
  readonly endTime: Date | undefined;
  /** When someone asked it to stop. */
  readonly stoppedAt: Date | undefined;
}

/** A run's progress, counted from its tasks. */
export interface ScanAllProgress {
  readonly execution: ScanAllExecution;
  readonly counts: Readonly<Record<TaskStatus, number>>;
  readonly total: number;
  /** Success, Error and Stopped tasks. */
  readonly completed: number;
  /** The run is not final, or some task is not. */
  readonly ongoing: boolean;
}

export type { CronType, ScheduleType, StoredSchedule as ScanAllSchedule } from '../../jobs/index.js';

export interface ScheduleRequest {
  readonly type: ScheduleType;
  readonly cron?: string | undefined;
}
