export type { Quota } from './quota.model.js';
export { assertRoom, formatBytes, insertQuota, type QuotaSort, recomputedUsage } from './quota.repo.js';
export { assertStorageLimit, QuotaService } from './quota.service.js';
