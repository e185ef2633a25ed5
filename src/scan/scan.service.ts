import { randomUUID } from 'node:crypto';
import { builtInScannerId } from '../db/index.js';
import type { ServiceContext } from '../domain/context.js';
import { parseDigest } from '../lib/digest.js';
import { blobKey } from '../storage/index.js';
import { type DetectedPackage, detectPackages, scanSelector } from './detect.js';
import type { OperatingSystem } from './detectors/os-release.js';
import { type LayerRef, readImageFiles } from './layers.js';
import { type Finding, findVulnerabilities } from './matcher.js';
import { type Severity, severities } from './vulndb/cvss.js';
import type { VulnDbService } from './vulndb/vulndb.service.js';

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error';

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
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
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

/** A scan under way: what `begin` noted, for `succeed` or `fail` to finish. */
export interface ScanAttempt {
  readonly digest: string;
  readonly scanner: string;
  readonly reportId: string;
  readonly startedAt: number;
  /** The digest had a successful report, which stands until this attempt succeeds. */
  readonly rescan: boolean;
}

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
  constructor(
    private readonly ctx: ServiceContext,
    private readonly vulndb: VulnDbService,
  ) {}

  /**
   * Marks the digest as waiting for a scan (the overview shows Pending until it runs). A digest with a
   * successful report keeps it until the new scan succeeds: the policy gate goes on judging by it.
   */
  async markPending(digest: string, scanner: string): Promise<void> {
    const now = this.ctx.now();
    const values = {
      report_id: randomUUID(),
      status: 'Pending',
      started_at: now,
      finished_at: null,
      error: null,
    };
    await this.ctx.db
      .insertInto('scan_reports')
      .values({ digest, scanner, ...values })
      .onConflict((oc) =>
        oc.columns(['digest', 'scanner']).doUpdateSet(values).where('scan_reports.status', '!=', 'Success'),
      )
      .execute();
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
      await this.store(digest, scanner, {
        report_id: attempt.reportId,
        status: 'Running',
        started_at: attempt.startedAt,
        finished_at: null,
        error: null,
      });
    }
    return attempt;
  }

  /** Stores the attempt's findings as the digest's report. */
  async succeed(attempt: ScanAttempt, details: ScanDetails): Promise<void> {
    const { severity, summary } = summarize(details.findings);
    await this.store(attempt.digest, attempt.scanner, {
      report_id: attempt.reportId,
      status: 'Success',
      severity,
      summary: JSON.stringify({ ...summary, scanner: details.scanner }),
      report: JSON.stringify(details),
      started_at: attempt.startedAt,
      finished_at: this.ctx.now(),
      error: null,
    });
  }

  /** Records the failure: beside the last successful report on a rescan, as an Error report otherwise. */
  async fail(attempt: ScanAttempt, message: string): Promise<void> {
    if (attempt.rescan) {
      await this.ctx.db
        .updateTable('scan_reports')
        .set({ error: `the last rescan failed: ${message}`.slice(0, 2000) })
        .where('digest', '=', attempt.digest)
        .where('scanner', '=', attempt.scanner)
        .execute();
      return;
    }
    await this.store(attempt.digest, attempt.scanner, {
      report_id: attempt.reportId,
      status: 'Error',
      started_at: attempt.startedAt,
      finished_at: this.ctx.now(),
      error: message.slice(0, 2000),
    });
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

  async reports(digests: readonly string[], scanner: string): Promise<Map<string, ScanReport>> {
    if (digests.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('scan_reports')
      .selectAll()
      .where('scanner', '=', scanner)
      .where('digest', 'in', [...new Set(digests)])
      .execute();
    return new Map(
      rows.map((r) => [
        r.digest,
        {
          digest: r.digest,
          reportId: r.report_id,
          scanner: r.scanner,
          status: r.status as ScanStatus,
          severity: r.severity as Severity,
          summary: JSON.parse(r.summary) as VulnerabilitySummary,
          startedAt: Number(r.started_at),
          finishedAt: r.finished_at === null ? undefined : Number(r.finished_at),
          error: r.error ?? undefined,
        },
      ]),
    );
  }

  /** Scans the artifact now: its OS, packages and findings (an index: the union of its children's). */
  /** The manifest's media type and content as stored in the repository. */
  async manifest(repository: string, digest: string): Promise<StoredManifest> {
    const manifest = await this.ctx.db
      .selectFrom('manifests as m')
      .innerJoin('repositories as r', 'r.id', 'm.repository_id')
      .select(['m.content', 'm.media_type'])
      .where('r.name', '=', repository)
      .where('m.digest', '=', digest)
      .executeTakeFirst();
    if (!manifest) throw new Error(`manifest ${digest} is not in ${repository}`);
    return {
      mediaType: manifest.media_type,
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
  async allArtifacts(): Promise<{ repository: string; digest: string }[]> {
    const rows = await this.ctx.db
      .selectFrom('manifests as m')
      .innerJoin('repositories as r', 'r.id', 'm.repository_id')
      .select(['m.digest', (eb) => eb.fn.min('r.name').as('repository')])
      .where('m.subject_digest', 'is', null)
      .groupBy('m.digest')
      .execute();
    return rows.map((r) => ({ digest: r.digest, repository: String(r.repository) }));
  }

  /** Every digest with a built-in scanner's report, and one repository that holds it (where a rescan reads it from). */
  async scannedArtifacts(): Promise<{ repository: string; digest: string }[]> {
    const rows = await this.ctx.db
      .selectFrom('scan_reports as s')
      .innerJoin('manifests as m', 'm.digest', 's.digest')
      .innerJoin('repositories as r', 'r.id', 'm.repository_id')
      .select(['s.digest', (eb) => eb.fn.min('r.name').as('repository')])
      .where('s.scanner', '=', builtInScannerId)
      .groupBy('s.digest')
      .execute();
    return rows.map((r) => ({ digest: r.digest, repository: String(r.repository) }));
  }

  /** The stored findings of the digest's last successful scan. */
  async storedDetails(digest: string, scanner: string): Promise<ScanDetails | undefined> {
    const row = await this.ctx.db
      .selectFrom('scan_reports')
      .select('report')
      .where('digest', '=', digest)
      .where('scanner', '=', scanner)
      .where('status', '=', 'Success')
      .executeTakeFirst();
    return row?.report ? (JSON.parse(row.report) as ScanDetails) : undefined;
  }

  private async store(
    digest: string,
    scanner: string,
    values: {
      report_id: string;
      status: ScanStatus;
      started_at: number;
      finished_at: number | null;
      error: string | null;
      severity?: string;
      summary?: string;
      report?: string;
    },
  ): Promise<void> {
    await this.ctx.db
      .insertInto('scan_reports')
      .values({ digest, scanner, ...values })
      .onConflict((oc) => oc.columns(['digest', 'scanner']).doUpdateSet(values))
      .execute();
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
