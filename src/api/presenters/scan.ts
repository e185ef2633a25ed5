import type {
  ScanAllProgress,
  ScanAllSchedule,
  ScanDetails,
  ScannerInfo,
  ScannerRegistration,
  ScanReport,
} from '../../scan/index.js';
import { builtInScannerId, taskStatuses } from '../../scan/index.js';

/** Harbor's media type of vulnerability reports: the key of scan overviews and of the addition. */
export const vulnerabilityReportType = 'application/vnd.security.vulnerability.report; version=1.1';

/** How the built-in scanner names itself in reports (Berth, at this version). */
export const builtInScannerInfo = (version: string): ScannerInfo => ({
  name: 'Berth',
  vendor: 'Berth',
  version,
});

/** The scanner a report names: the built-in one, or the adapter as it described itself (else by its registration's name). */
export function reportScanner(
  registration: ScannerRegistration,
  named: ScannerInfo | undefined,
  builtIn: ScannerInfo,
): ScannerInfo {
  if (registration.uuid === builtInScannerId) return builtIn;
  return named ?? { name: registration.name, vendor: '', version: '' };
}

const finished = new Set(['Success', 'Error', 'Stopped']);

/**
 * Harbor's NativeReportSummary: a report's status, severity and counts, by the project's scanner. An
 * artifact's `scan_overview` holds it under `vulnerabilityReportType`.
 */
export function scanOverview(report: ScanReport, registration: ScannerRegistration, builtIn: ScannerInfo) {
  const { finishedAt } = report;
  return {
    report_id: report.reportId,
    scan_status: report.status,
    severity: report.severity,
    duration:
      finishedAt === undefined ? 0 : Math.round((finishedAt.getTime() - report.startedAt.getTime()) / 1000),
    summary: {
      total: report.summary.total ?? 0,
      fixable: report.summary.fixable ?? 0,
      summary: report.summary.summary ?? {},
    },
    start_time: report.startedAt.toISOString(),
    ...(finishedAt === undefined ? {} : { end_time: finishedAt.toISOString() }),
    complete_percent: finished.has(report.status) ? 100 : 0,
    scanner: reportScanner(registration, report.summary.scanner, builtIn),
  };
}

/** The artifact an addition is about. */
export interface ReportedArtifact {
  readonly repository: string;
  readonly digest: string;
  readonly mimeType: string;
}

/**
 * `…/additions/vulnerabilities`: Harbor's vulnerability report, keyed by its media type, from the
 * findings of the artifact's last successful scan by the project's scanner.
 */
export function vulnerabilityAddition(
  artifact: ReportedArtifact,
  report: ScanReport,
  details: ScanDetails,
  registration: ScannerRegistration,
  builtIn: ScannerInfo,
) {
  return {
    [vulnerabilityReportType]: {
      report_id: report.reportId,
      generated_at: (report.finishedAt ?? report.startedAt).toISOString(),
      artifact: { repository: artifact.repository, digest: artifact.digest, mime_type: artifact.mimeType },
      scanner: reportScanner(registration, details.scanner, builtIn),
      severity: report.severity,
      vulnerabilities: details.findings.map((f) => ({
        id: f.id,
        package: f.package,
        version: f.version,
        fix_version: f.fixVersion ?? '',
        severity: f.severity,
        description: f.description,
        links: f.links,
        ...(f.layer ? { layer: { digest: f.layer } } : {}),
        ...(f.score === undefined && f.vector === undefined
          ? {}
          : {
              preferred_cvss: {
                ...(f.score === undefined ? {} : { score_v3: f.score }),
                ...(f.vector === undefined ? {} : { vector_v3: f.vector }),
              },
            }),
        ...(f.cweIds ? { cwe_ids: f.cweIds } : {}),
        vendor_attributes: { ...f.vendorAttributes, osv_ids: f.osvIds },
      })),
    },
  };
}

/**
 * Harbor's Schedule of the scan all. Harbor's status is its scheduler job's (Running while the
 * schedule is armed); `parameters` is empty, so go-swagger leaves it out.
 */
export function scheduleResponse(schedule: ScanAllSchedule) {
  return {
    id: schedule.id,
    status: 'Running',
    creation_time: schedule.createdAt.toISOString(),
    update_time: schedule.updatedAt.toISOString(),
    schedule: {
      type: schedule.cronType,
      cron: schedule.cron,
      ...(schedule.nextRun ? { next_scheduled_time: schedule.nextRun.toISOString() } : {}),
    },
  };
}

/** Harbor Title-cases the trigger it stores (MANUAL → Manual). */
const triggers = { MANUAL: 'Manual', SCHEDULE: 'Schedule', EVENT: 'Event' } as const;

/**
 * Harbor's Stats of the latest scan-all run: `{total: 0, completed: 0, ongoing: false}` when there
 * was none, else the task counts by status (all five), whether it is still going and its trigger.
 */
export function statsResponse(progress: ScanAllProgress | undefined) {
  if (!progress) return { total: 0, completed: 0, ongoing: false };
  return {
    total: progress.total,
    completed: progress.completed,
    metrics: Object.fromEntries(taskStatuses.map((s) => [s, progress.counts[s]])),
    ongoing: progress.ongoing,
    trigger: triggers[progress.execution.trigger],
  };
}

/** The text log of a scan, as Harbor's report log: what ran, when, how it ended. */
export function scanLog(repository: string, digest: string, scanner: string, report: ScanReport): string {
  const lines = [
    `${report.startedAt.toISOString()} scan ${report.reportId} of ${repository}@${digest} by ${scanner}: ${report.status}`,
  ];
  if (report.finishedAt)
    lines.push(
      `${report.finishedAt.toISOString()} finished: ${report.status}, severity ${report.severity}, ${report.summary.total ?? 0} vulnerabilities`,
    );
  if (report.error) lines.push(`error: ${report.error}`);
  return `${lines.join('\n')}\n`;
}
