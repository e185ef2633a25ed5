export { AllowlistService, type CveAllowlist } from './allowlist.js';
export { type DetectedPackage, detectPackages, scanSelector } from './detect.js';
export type { Finding, InstalledPackage } from './matcher.js';
export { type PolicyVerdict, VulnerabilityPolicy } from './policy.js';
export { cyclonedxDocument, cyclonedxMediaType, spdxDocument, spdxMediaType } from './sbom.js';
export { SbomPublisher } from './sbom-publisher.js';
export {
  type ScanDetails,
  type ScannerInfo,
  type ScanReport,
  ScanService,
  type ScanStatus,
} from './scan.service.js';
export { AdapterClient, type AdapterMetadata } from './scanners/adapter-client.js';
export { ExternalScanner } from './scanners/external.js';
export {
  builtInScannerId,
  type RegistrationInput,
  ScannerRegistrations,
} from './scanners/registrations.js';
export { ScanScheduler, scanJob, scanReportJob, vulndbUpdateJob } from './scheduler.js';
export { type Severity, severities } from './vulndb/cvss.js';
export { type UpdateOutcome, VulnDbUpdater } from './vulndb/updater.js';
export { type ImportResult, VulnDbService } from './vulndb/vulndb.service.js';
