export { AllowlistService, type CveAllowlist } from './allowlist.js';
export { type DetectedPackage, detectPackages, scanSelector } from './detect.js';
export type { Finding, InstalledPackage } from './matcher.js';
export { type PolicyVerdict, VulnerabilityPolicy } from './policy.js';
export { cyclonedxDocument, cyclonedxMediaType, spdxDocument, spdxMediaType } from './sbom.js';
export { SbomPublisher } from './sbom-publisher.js';
export type {
  ScanDetails,
  ScannerInfo,
  ScanReport,
  ScanStatus,
  VulnerabilitySummary,
} from './scan.model.js';
export { ScanService } from './scan.service.js';
export type {
  CronType,
  ExecutionStatus,
  ScanAllExecution,
  ScanAllProgress,
  ScanAllSchedule,
  ScanAllTrigger,
  ScheduleRequest,
  ScheduleType,
  TaskStatus,
} from './scan-all/scan-all.model.js';
export { taskStatuses } from './scan-all/scan-all.model.js';
export { ScanAllService, scanAllJob } from './scan-all/scan-all.service.js';
export { ScanAllSchedules } from './scan-all/schedule.service.js';
export { AdapterClient, type AdapterMetadata } from './scanners/adapter-client.js';
export { ExternalScanner } from './scanners/external.js';
export type {
  RegistrationField,
  RegistrationInput,
  RegistrationQuery,
  ScannerRegistration,
} from './scanners/registration.model.js';
export { type AdapterHealth, builtInScannerId, ScannerRegistrations } from './scanners/registrations.js';
export { type ScanAllTarget, ScanScheduler, scanJob, scanReportJob, vulndbUpdateJob } from './scheduler.js';
export { type Severity, severities } from './vulndb/cvss.js';
export { type UpdateOutcome, VulnDbUpdater } from './vulndb/updater.js';
export type { ImportResult, SourceStatus } from './vulndb/vulndb.model.js';
export { VulnDbService } from './vulndb/vulndb.service.js';
