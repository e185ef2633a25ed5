/** The kinds of schedule Harbor takes: a recurring one, or Manual (now) and None (remove). */
const scheduleTypes = ['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule'] as const;
export type ScheduleType = (typeof scheduleTypes)[number];

/** A recurring schedule's type (what Harbor stores as its cron type). */
export type CronType = Exclude<ScheduleType, 'Manual' | 'None'>;

/** A stored schedule: Harbor's cron type and 6-field cron, and the parameters its fires run with. */
export interface ScheduleRecord {
  readonly id: number;
  readonly cronType: CronType;
  readonly cron: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A stored schedule and when it fires next. */
export interface StoredSchedule extends ScheduleRecord {
  readonly nextRun: Date | undefined;
}

/** What a fire queues: the job's payload names the fire (unique per scheduled time) and the parameters. */
export interface ScheduledFire {
  readonly trigger: 'SCHEDULE';
  readonly fireKey: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}
