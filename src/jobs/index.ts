export { lastRun, parseCron, type Scheduled, type ScheduleOptions, schedule } from './cron.js';
export { type EnqueueOptions, type Job, JobQueue, type QueueOptions } from './queue.js';
export { type JobHandler, JobRunner, type RunnerOptions } from './runner.js';
export { type ScheduleKind, Schedules } from './schedules.js';
export type { CronType, ScheduledFire, ScheduleType, StoredSchedule } from './schedules.model.js';
