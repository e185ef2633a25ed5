export { lastRun, parseCron, type Scheduled, type ScheduleOptions, schedule } from './cron.js';
export {
  type EnqueueOptions,
  type Heartbeat,
  type Job,
  JobDeferred,
  JobQueue,
  type QueueOptions,
} from './queue.js';
export { type JobHandler, JobRunner, type RunnerOptions } from './runner.js';
export {
  type RunField,
  RunLog,
  type RunStatus,
  type RunTrigger,
  type SystemRun,
  SystemRuns,
} from './runs.repo.js';
export { type ScheduleKind, Schedules } from './schedules.js';
export type { CronType, ScheduledFire, ScheduleType, StoredSchedule } from './schedules.model.js';
export { SystemJob, type SystemJobKind, SystemJobSchedules } from './system-job.js';
