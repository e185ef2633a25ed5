export {
  type AuditPurgeParameters,
  type AuditPurgeRun,
  AuditPurgeService,
  auditPurgeJob,
} from './audit-purge/audit-purge.service.js';
export type { GcParameters, GcResult, GcRun } from './gc/gc.model.js';
export { GcService, gcJob, gcStored } from './gc/gc.service.js';
export type { RetentionPolicy, RetentionRun } from './retention/retention.model.js';
export type { RetentionTask } from './retention/retention.repo.js';
export { RetentionService, retentionJob } from './retention/retention.service.js';
