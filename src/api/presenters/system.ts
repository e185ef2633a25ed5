import type { HealthReport, StorageCapacity } from '../../domain/system/index.js';
import type { SourceStatus } from '../../scan/index.js';

/** Harbor's OverallHealthStatus. */
export function healthResponse(report: HealthReport) {
  return {
    status: report.healthy ? 'healthy' : 'unhealthy',
    components: report.components.map((c) => ({
      name: c.name,
      status: c.healthy ? 'healthy' : 'unhealthy',
      ...(c.error === undefined ? {} : { error: c.error }),
    })),
  };
}

/** What Berth says of itself in Harbor's GeneralInfo. */
export interface SystemFacts {
  /** The URL clients reach Berth at, with its scheme. */
  readonly externalUrl: string;
  readonly version: string;
  readonly storageName: string;
  readonly now: Date;
  readonly vulnerabilityDatabase: readonly SourceStatus[];
}

/**
 * Harbor's GeneralInfo: anonymous callers get what the sign-in page needs (auth mode, self
 * registration, banner, OIDC provider name); signed-in callers, robots included, also the protected
 * fields (URLs, version, storage, flags) and Berth's vulnerability database sources.
 */
export function generalInfoResponse(facts: SystemFacts, signedIn: boolean) {
  const open = {
    auth_mode: 'db_auth',
    primary_auth_mode: false,
    self_registration: false,
    banner_message: '',
    oidc_provider_name: '',
  };
  if (!signedIn) return open;
  return {
    ...open,
    current_time: facts.now.toISOString(),
    registry_url: new URL(facts.externalUrl).host,
    external_url: facts.externalUrl,
    harbor_version: `berth-${facts.version}`,
    project_creation_restriction: 'everyone',
    // Berth offers no CA certificate for download (GET /systeminfo/getcert answers 404).
    has_ca_root: false,
    registry_storage_provider_name: facts.storageName,
    read_only: false,
    notification_enable: false,
    vulnerability_database: facts.vulnerabilityDatabase.map((s) => ({
      source: s.source,
      imported_at: s.importedAt.toISOString(),
      records: s.records,
    })),
  };
}

/** Harbor's SystemInfo: one storage entry. */
export function volumesResponse(capacity: StorageCapacity) {
  return { storage: [{ total: capacity.total, free: capacity.free }] };
}
