export { lastRun, parseCron, type Scheduled, type ScheduleOptions, schedule } from './cron.js';
export { type EnqueueOptions, type Job, JobQueue, type QueueOptions } from './queue.js';
export { type JobHandler, JobRunner, type RunnerOptions } from './runner.js';
export {
  type CronType,
  type ScheduledFire,
  type ScheduleKind,
  Schedules,
  type ScheduleType,
  type StoredSchedule,
  validateCron,
} from './schedules.js';
