import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../domain/context.js';
import { parseDigest } from '../lib/digest.js';
import { blobKey } from '../storage/index.js';
import { type DetectedPackage, detectPackages, scanSelector } from './detect.js';
import { readImageFiles } from './layers.js';
import { type Finding, findVulnerabilities } from './matcher.js';
import type {
  ScanAttempt,
  ScanDetails,
  ScanObserver,
  ScanReport,
  ScanTarget,
  StoredManifest,
  VulnerabilitySummary,
} from './scan.model.js';
import * as repo from './scan.repo.js';
import { builtInScannerId } from './scanners/registrations.repo.js';
import { type Severity, severities } from './vulndb/cvss.js';
import type { VulnDbService } from './vulndb/vulndb.service.js';

export type {
  ScanAttempt,
  ScanDetails,
  ScannerInfo,
  ScanObserver,
  ScanReport,
  ScanStatus,
  ScanTarget,
  StoredManifest,
  VulnerabilitySummary,
} from './scan.model.js';

const layerTypes = /(\.tar|tar\.gzip|\.tar\+gzip|\.tar\+zstd)$/;

/** Media types of layers that are file system tars (OCI and Docker image layers). */
const isImageLayer = (mediaType: string) =>
  layerTypes.test(mediaType) && !mediaType.includes('foreign') && !mediaType.includes('nondistributable');

function summarize(findings: readonly Finding[]): {
  severity: Severity;
  summary: VulnerabilitySummary;
} {
  const counts: Partial<Record<Severity, number>> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const worst =
    severities.find((s) => s !== 'Unknown' && counts[s] !== undefined) ??
    (counts.Unknown ? 'Unknown' : 'None');
  return {
    severity: worst,
    summary: {
      total: findings.length,
      fixable: findings.filter((f) => f.fixVersion).length,
      summary: counts,
    },
  };
}

/**
 * Scan reports, kept per artifact digest and scanner registration, so one scan serves every tag and
 * repository that holds the same artifact; and the built-in scanner, which reads an image's layers
 * from storage, detects its packages and matches them against the vulnerability database (an index's
 * report is the union of its children's). External scanners store their reports here too.
 */
export class ScanService {
  private readonly observers: ScanObserver[] = [];

  constructor(
    private readonly ctx: ServiceContext,
    private readonly vulndb: VulnDbService,
  ) {}

  /** Tells `observer` when scans begin and end (whoever queued them). */
  observe(observer: ScanObserver): void {
    this.observers.push(observer);
  }

  /**
   * Marks the digest as waiting for a scan (the overview shows Pending until it runs). A digest with a
   * successful report keeps it until the new scan succeeds: the policy gate goes on judging by it.
   */
  async markPending(digest: string, scanner: string): Promise<void> {
    await repo.markReportPending(this.ctx.db, digest, scanner, {
      report_id: randomUUID(),
      status: 'Pending',
      started_at: this.ctx.now(),
      finished_at: null,
      error: null,
    });
  }

  /** A Pending report whose scan was taken off the queue ends as Stopped (a standing report stays). */
  async markStopped(digest: string, scanner: string): Promise<void> {
    await repo.stopPendingReport(this.ctx.db, digest, scanner, this.ctx.now());
  }

  /** Notes that a scan of the digest started (Running, unless a successful report stands meanwhile). */
  async begin(digest: string, scanner: string): Promise<ScanAttempt> {
    const attempt: ScanAttempt = {
      digest,
      scanner,
      reportId: randomUUID(),
      startedAt: this.ctx.now(),
      rescan: (await this.report(digest, scanner))?.status === 'Success',
    };
    if (!attempt.rescan) {
      await repo.storeReport(this.ctx.db, digest, scanner, {
        report_id: attempt.reportId,
        status: 'Running',
        started_at: attempt.startedAt,
        finished_at: null,
        error: null,
      });
    }
    for (const observer of this.observers) await observer.began(attempt);
    return attempt;
  }

  /** Stores the attempt's findings as the digest's report. */
  async succeed(attempt: ScanAttempt, details: ScanDetails): Promise<void> {
    const { severity, summary } = summarize(details.findings);
    await repo.storeReport(this.ctx.db, attempt.digest, attempt.scanner, {
      report_id: attempt.reportId,
      status: 'Success',
      severity,
      summary: JSON.stringify({ ...summary, scanner: details.scanner }),
      report: JSON.stringify(details),
      started_at: attempt.startedAt,
      finished_at: this.ctx.now(),
      error: null,
    });
    for (const observer of this.observers) await observer.ended(attempt, 'Success');
  }

  /** Records the failure: beside the last successful report on a rescan, as an Error report otherwise. */
  async fail(attempt: ScanAttempt, message: string): Promise<void> {
    if (attempt.rescan) {
      await repo.noteReportError(
        this.ctx.db,
        attempt.digest,
        attempt.scanner,
        `the last rescan failed: ${message}`.slice(0, 2000),
      );
    } else {
      await repo.storeReport(this.ctx.db, attempt.digest, attempt.scanner, {
        report_id: attempt.reportId,
        status: 'Error',
        started_at: attempt.startedAt,
        finished_at: this.ctx.now(),
        error: message.slice(0, 2000),
      });
    }
    for (const observer of this.observers) await observer.ended(attempt, 'Error');
  }

  /** Scans the artifact with this digest in the repository with the built-in scanner and stores the report. */
  async scan(repository: string, digest: string): Promise<ScanReport> {
    const attempt = await this.begin(digest, builtInScannerId);
    try {
      await this.succeed(attempt, await this.details(repository, digest, new Set()));
    } catch (error) {
      await this.fail(attempt, error instanceof Error ? error.message : String(error));
      this.ctx.logger.warn({ module: 'scan', repository, digest, err: error }, 'scan failed');
    }
    return (await this.report(digest, builtInScannerId)) as ScanReport;
  }

  async report(digest: string, scanner: string): Promise<ScanReport | undefined> {
    return (await this.reports([digest], scanner)).get(digest);
  }

  reports(digests: readonly string[], scanner: string): Promise<Map<string, ScanReport>> {
    return repo.reportsOf(this.ctx.db, digests, scanner);
  }

  /** The manifest's media type and content as stored in the repository. */
  async manifest(repository: string, digest: string): Promise<StoredManifest> {
    const manifest = await repo.storedManifest(this.ctx.db, repository, digest);
    if (!manifest) throw new Error(`manifest ${digest} is not in ${repository}`);
    return {
      mediaType: manifest.mediaType,
      json: JSON.parse(manifest.content.toString('utf8')) as StoredManifest['json'],
    };
  }

  private async details(repository: string, digest: string, visiting: Set<string>): Promise<ScanDetails> {
    const { json } = await this.manifest(repository, digest);
    if (Array.isArray(json.manifests)) {
      if (visiting.has(digest)) throw new Error(`index ${digest} lists itself`);
      visiting.add(digest);
      const children = await Promise.all(
        json.manifests.map((m) => this.childDetails(repository, m.digest, visiting)),
      );
      return union(children);
    }
    const layers = (json.layers ?? []).filter((l) => isImageLayer(l.mediaType));
    if (layers.length === 0) throw new Error('the artifact has no image layers to scan');
    const files = await readImageFiles(
      layers,
      (d) => this.ctx.storage.read(blobKey(parseDigest(d))),
      scanSelector,
    );
    const { os, packages } = detectPackages(files);
    const findings = await findVulnerabilities(this.vulndb, packages);
    return { os, packages, findings };
  }

  /** A child of an index: its stored report when it has a successful one, else a scan of it now. */
  private async childDetails(
    repository: string,
    digest: string,
    visiting: Set<string>,
  ): Promise<ScanDetails> {
    return (await this.storedDetails(digest, builtInScannerId)) ?? this.details(repository, digest, visiting);
  }

  /** Every image and index in the registry (not their referrers), each with one repository that holds it. */
  allArtifacts(): Promise<ScanTarget[]> {
    return repo.allArtifacts(this.ctx.db);
  }

  /** Every digest with a built-in scanner's report, and one repository that holds it (where a rescan reads it from). */
  scannedArtifacts(): Promise<ScanTarget[]> {
    return repo.scannedArtifacts(this.ctx.db, builtInScannerId);
  }

  /** The stored findings of the digest's last successful scan. */
  storedDetails(digest: string, scanner: string): Promise<ScanDetails | undefined> {
    return repo.successfulDetails(this.ctx.db, digest, scanner);
  }
}

/** The union of several images' scans (an index): packages and findings once each. */
export function union(parts: readonly ScanDetails[]): ScanDetails {
  const packages = new Map<string, DetectedPackage>();
  const findings = new Map<string, Finding>();
  for (const part of parts) {
    for (const p of part.packages) packages.set(`${p.ecosystem} ${p.name} ${p.version}`, p);
    for (const f of part.findings) findings.set(`${f.id} ${f.package} ${f.version}`, f);
  }
  return {
    os: parts.find((p) => p.os)?.os,
    packages: [...packages.values()],
    findings: [...findings.values()],
    scanner: parts.find((p) => p.scanner)?.scanner,
  };
}
