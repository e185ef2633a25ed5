import type { DetectedPackage } from './detect.js';
import type { OperatingSystem } from './detectors/os-release.js';
import type { LayerRef } from './layers.js';
import type { Finding } from './matcher.js';
import type { Severity } from './vulndb/cvss.js';

/** Harbor's scan_status of a report; Stopped when a stopped scan all took its scan off the queue. */
export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

export interface ScannerInfo {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
}

export interface VulnerabilitySummary {
  readonly total: number;
  readonly fixable: number;
  readonly summary: Partial<Record<Severity, number>>;
  /** The scanner that made the report, as it named itself (an external adapter). */
  readonly scanner?: ScannerInfo | undefined;
}

export interface ScanReport {
  readonly digest: string;
  readonly reportId: string;
  /** The scanner registration's id. */
  readonly scanner: string;
  readonly status: ScanStatus;
  /** The highest severity found; None when nothing was. */
  readonly severity: Severity;
  readonly summary: VulnerabilitySummary;
  readonly startedAt: Date;
  readonly finishedAt: Date | undefined;
  readonly error: string | undefined;
}

export interface ScanDetails {
  readonly os: OperatingSystem | undefined;
  /** The packages found (an external scanner's reports list none). */
  readonly packages: DetectedPackage[];
  readonly findings: Finding[];
  /** The scanner as its report named it (an external adapter's name, vendor and version). */
  readonly scanner?: ScannerInfo | undefined;
}

export interface StoredManifest {
  readonly mediaType: string;
  readonly json: {
    readonly manifests?: { digest: string; mediaType?: string }[];
    readonly layers?: LayerRef[];
  };
}

/**
 * A scan under way: what `begin` noted, for `succeed` or `fail` to finish. Plain JSON (times in
 * epoch ms): an external scan carries it from poll to poll in the job queue.
 */
export interface ScanAttempt {
  readonly digest: string;
  readonly scanner: string;
  readonly reportId: string;
  readonly startedAt: number;
  /** The digest had a successful report, which stands until this attempt succeeds. */
  readonly rescan: boolean;
}

/** An artifact, by one repository that holds it (where a scan reads it from). */
export interface ScanTarget {
  readonly repository: string;
  readonly digest: string;
}

/** Told when a scan begins and ends (the scan-all runs count their tasks by it). */
export interface ScanObserver {
  began(attempt: ScanAttempt): Promise<void>;
  ended(attempt: ScanAttempt, status: 'Success' | 'Error'): Promise<void>;
}
