export {
  type AuditPurgeParameters,
  type AuditPurgeRun,
  AuditPurgeService,
  auditPurgeJob,
} from './audit-purge/audit-purge.service.js';
export type { GcParameters, GcResult, GcRun } from './gc/gc.model.js';
export { GcService, gcJob, gcStored } from './gc/gc.service.js';
