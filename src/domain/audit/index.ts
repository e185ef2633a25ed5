export { type AuditField, type AuditRecord, auditEventTypes } from './audit.model.js';
export { type AuditListQuery, purgeOperations } from './audit.repo.js';
export { type AuditOptions, AuditService } from './audit.service.js';
