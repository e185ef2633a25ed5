export { StorageCapacityProbe } from './capacity.js';
export { HealthService } from './health.service.js';
export { type RuntimeSettings, SettingsService } from './settings.service.js';
export type { ComponentHealth, HealthReport, StorageCapacity } from './system.model.js';
