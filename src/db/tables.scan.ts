import type { Generated } from 'kysely';

/** The vulnerability database, scan reports, CVE allowlists, scanner registrations and scan-all runs. */

export interface VulnRecordTable {
  /** The OSV id. */
  id: string;
  /** The archive's ecosystem it came from (Debian, PyPI, …). */
  source: string;
  /** Epoch milliseconds, from the record: a newer import replaces an older one. */
  modified: number;
  published: number | null;
  summary: string;
  /** JSON list of alias ids (CVE-…, GHSA-…). */
  aliases: string;
  /** Critical, High, Medium, Low, None or Unknown. */
  severity: string;
  /** CVSS v3 base score, when the record has a vector. */
  score: number | null;
  /** JSON list of reference URLs. */
  reference_urls: string;
}

export interface VulnAffectedTable {
  record_id: string;
  /** As the record writes it: `Debian:12`, `Alpine:v3.19`, `npm`, … */
  ecosystem: string;
  /** Package name (PEP 503-normalised for PyPI). */
  package: string;
  /** JSON: the affected entry's ranges. */
  ranges: string;
  /** JSON: its explicit versions list. */
  versions: string;
}

export interface VulndbImportTable {
  source: string;
  imported_at: number;
  records: number;
  archive: string;
}

export interface ScanReportTable {
  digest: string;
  scanner: string;
  report_id: string;
  /** Pending, Running, Success or Error (Harbor's scan_status). */
  status: string;
  severity: Generated<string>;
  /** JSON: {total, fixable, summary: {Critical: n, …}}. */
  summary: Generated<string>;
  /** JSON: the findings and packages. */
  report: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface CveAllowlistTable {
  /** 0 for the system allowlist. */
  project_id: number;
  /** Epoch seconds after which the list no longer applies; null: never expires. */
  expires_at: number | null;
  /** JSON list of CVE ids. */
  items: string;
  created_at: number;
  updated_at: number;
}

export interface ScannerRegistrationTable {
  uuid: string;
  name: string;
  description: Generated<string>;
  /** The adapter's base URL (`builtin:berth` for the built-in scanner). */
  url: string;
  /** '', 'Basic', 'Bearer' or 'X-ScannerAdapter-API-Key': how Berth authenticates to the adapter. */
  auth: Generated<string>;
  access_credential: Generated<string>;
  skip_cert_verify: Generated<number>;
  use_internal_addr: Generated<number>;
  disabled: Generated<number>;
  is_default: Generated<number>;
  /** The built-in registration: neither edited nor deleted. */
  immutable: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ProjectScannerTable {
  project_id: number;
  scanner_uuid: string;
}

/** One scan-all run (Harbor's execution of vendor type SCAN_ALL). */
export interface ScanAllExecutionTable {
  id: Generated<number>;
  /** MANUAL, SCHEDULE or EVENT. */
  trigger: string;
  /** Running until its tasks are final, then Success, Error or Stopped. */
  status: string;
  /** A scheduled run's fire time (`schedule <ISO time>`), unique: one run per fire, whichever replica fires. */
  fire_key: string | null;
  start_time: number;
  end_time: number | null;
  stopped_at: number | null;
}

/** One artifact a scan-all run scans (Harbor's task). */
export interface ScanAllTaskTable {
  execution_id: number;
  digest: string;
  repository: string;
  scanner: string;
  /** Pending, Running, Success, Error or Stopped. */
  status: string;
  created_at: number;
  updated_at: number;
}
