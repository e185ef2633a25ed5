export type { GcParameters, GcResult, GcRun } from './gc/gc.model.js';
export { GcService, gcJob } from './gc/gc.service.js';
export { type GcScheduleRequest, GcSchedules } from './gc/gc-schedule.service.js';
