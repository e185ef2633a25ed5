export { type AuditOptions, type AuditQuery, AuditService } from './audit.service.js';
