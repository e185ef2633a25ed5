import type { Access, TokenService } from '../../auth/index.js';
import { scannerPrefix } from '../../auth/index.js';
import type { Finding } from '../matcher.js';
import { type ScanAttempt, type ScanDetails, type ScanService, union } from '../scan.service.js';
import type { Severity } from '../vulndb/cvss.js';
import {
  type AdapterClient,
  type AdapterMetadata,
  type AdapterReport,
  type AdapterVulnerability,
  reportMediaTypes,
} from './adapter-client.js';
import type { ScannerRegistration } from './registration.model.js';
import { endpointOf, type ScannerRegistrations } from './registrations.js';

export interface ExternalScanOptions {
  /** The audience of registry tokens (the token service's name). */
  readonly service: string;
  /** The registry URL an adapter pulls from: the internal address, or the external one. */
  readonly registryUrl: (internal: boolean) => string;
  /** Lifetime of the pull token an adapter gets with each scan request. */
  readonly pullTokenSeconds: number;
  /** A scan whose report is not ready this long after it was requested fails. */
  readonly reportTimeoutMs: number;
  readonly now: () => number;
}

/** One scan request an adapter accepted, and the report it will become. */
interface PendingRequest {
  readonly id: string;
  readonly attempt: ScanAttempt;
}

/** A scan handed to an external adapter, carried from poll to poll by the job queue. */
export interface ExternalScanState {
  readonly scanner: string;
  readonly repository: string;
  /** The artifact asked for: an image, or an index whose images were sent one by one. */
  readonly attempt: ScanAttempt;
  /** An index's images (their reports' union becomes the index's); absent for an image. */
  readonly children?: string[] | undefined;
  readonly pending: PendingRequest[];
  readonly reportType: string;
  readonly deadline: number;
  /** The first failure among the requests, for the index's report when none succeeded. */
  readonly firstError?: string | undefined;
}

export type PollOutcome =
  | { readonly done: true }
  | { readonly done: false; readonly state: ExternalScanState; readonly delayMs: number };

const imageTypes = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

const harborSeverities: Record<string, Severity> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  // Harbor's Negligible ranks below Low: only a policy that refuses everything (None) counts it.
  negligible: 'None',
  none: 'None',
  unknown: 'Unknown',
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** An adapter's vulnerability entry as a finding (what the API and the policy read). */
function findingOf(v: AdapterVulnerability): Finding {
  const cvss = record(v.preferred_cvss);
  const score = typeof cvss?.score_v3 === 'number' ? cvss.score_v3 : undefined;
  const vendor = record(v.vendor_attributes);
  const cwe = texts(v.cwe_ids);
  return {
    id: text(v.id),
    osvIds: [],
    package: text(v.package),
    version: text(v.version),
    fixVersion: text(v.fix_version) || undefined,
    severity: harborSeverities[text(v.severity).toLowerCase()] ?? 'Unknown',
    score,
    description: text(v.description),
    links: texts(v.links),
    layer: text(record(v.layer)?.digest) || undefined,
    vector: text(cvss?.vector_v3) || undefined,
    cweIds: cwe.length > 0 ? cwe : undefined,
    vendorAttributes: vendor,
  };
}

/** The adapter's report as stored scan details: its findings (once per id, package and version). */
function detailsOf(report: AdapterReport, metadata: AdapterMetadata['scanner'] | undefined): ScanDetails {
  const findings = new Map<string, Finding>();
  for (const v of report.vulnerabilities ?? []) {
    const finding = findingOf(v);
    if (finding.id === '') continue;
    findings.set(`${finding.id}\u0000${finding.package}\u0000${finding.version}`, finding);
  }
  const scanner = record(report.scanner) ?? record(metadata);
  return {
    os: undefined,
    packages: [],
    findings: [...findings.values()],
    scanner: scanner
      ? { name: text(scanner.name), vendor: text(scanner.vendor), version: text(scanner.version) }
      : undefined,
  };
}

/**
 * Scans through an external adapter (Harbor's Pluggable Scanner API v1.1): each image is sent with a
 * short-lived pull token for its repository, then its report is polled for (the adapter answers 302
 * with Refresh-After until it is ready). Between polls the scan is a job on the durable queue, so it
 * survives restarts and holds no worker while the adapter works. An index's images are sent one by
 * one; each gets its own report and the index the union of theirs.
 */
export class ExternalScanner {
  constructor(
    private readonly scans: ScanService,
    private readonly registrations: ScannerRegistrations,
    private readonly client: AdapterClient,
    private readonly tokens: TokenService,
    private readonly options: ExternalScanOptions,
  ) {}

  /** Sends the artifact to the adapter; undefined when that failed (the failure is in its report). */
  async submit(
    registration: ScannerRegistration,
    repository: string,
    digest: string,
  ): Promise<ExternalScanState | undefined> {
    const attempt = await this.scans.begin(digest, registration.uuid);
    const started: PendingRequest[] = [];
    try {
      const metadata = await this.registrations.metadata(registration);
      const capability = metadata.capabilities.find(
        (c) =>
          (c.type === undefined || c.type === 'vulnerability') &&
          reportMediaTypes.some((t) => c.produces_mime_types.includes(t)),
      );
      const reportType = reportMediaTypes.find((t) => capability?.produces_mime_types.includes(t));
      if (!capability || !reportType)
        throw new Error(`the scanner ${registration.name} produces no Harbor vulnerability report`);
      const manifest = await this.scans.manifest(repository, digest);
      const targets: { digest: string; mediaType: string }[] = [];
      let children: string[] | undefined;
      if (Array.isArray(manifest.json.manifests)) {
        for (const child of manifest.json.manifests) {
          const stored = await this.scans.manifest(repository, child.digest);
          if (imageTypes.has(stored.mediaType))
            targets.push({ digest: child.digest, mediaType: stored.mediaType });
        }
        if (targets.length === 0) throw new Error('the index lists no images to scan');
        children = targets.map((t) => t.digest);
      } else {
        targets.push({ digest, mediaType: manifest.mediaType });
      }
      for (const target of targets) {
        if (!capability.consumes_mime_types.includes(target.mediaType))
          throw new Error(`the scanner ${registration.name} does not scan ${target.mediaType}`);
      }
      const registry = {
        url: this.options.registryUrl(registration.useInternalAddr),
        authorization: await this.authorization(registration, metadata, repository),
      };
      for (const target of targets) {
        const id = await this.client.scan(endpointOf(registration), {
          registry,
          artifact: { repository, digest: target.digest, mime_type: target.mediaType },
          enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: [reportType] }],
        });
        const own =
          target.digest === digest ? attempt : await this.scans.begin(target.digest, registration.uuid);
        started.push({ id, attempt: own });
      }
      return {
        scanner: registration.uuid,
        repository,
        attempt,
        children,
        pending: started,
        reportType,
        deadline: this.options.now() + this.options.reportTimeoutMs,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const request of started)
        if (request.attempt.digest !== digest) await this.scans.fail(request.attempt, message);
      await this.scans.fail(attempt, message);
      return undefined;
    }
  }

  /** Asks for every pending report once; stores the ready ones and says when to ask again. */
  async poll(state: ExternalScanState): Promise<PollOutcome> {
    const registration = await this.registrations.find(state.scanner);
    const pending: PendingRequest[] = [];
    let firstError = state.firstError;
    let wait = Number.POSITIVE_INFINITY;
    const expired = this.options.now() > state.deadline;
    for (const request of state.pending) {
      try {
        if (!registration) throw new Error('the scanner registration was removed while it scanned');
        const answer = await this.client.report(endpointOf(registration), request.id, state.reportType);
        if (answer.ready) {
          // A report that does not name its scanner is credited to what the adapter's metadata says.
          const named = answer.report.scanner
            ? undefined
            : (await this.registrations.health(registration)).metadata?.scanner;
          await this.scans.succeed(request.attempt, detailsOf(answer.report, named));
          continue;
        }
        if (expired)
          throw new Error(
            `the scanner ${registration.name} had no report within ${Math.round(this.options.reportTimeoutMs / 60_000)} minutes`,
          );
        pending.push(request);
        wait = Math.min(wait, answer.refreshAfterSeconds);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        firstError ??= message;
        // The index's own attempt is finished below, from its images' reports.
        if (request.attempt.digest !== state.attempt.digest || !state.children)
          await this.scans.fail(request.attempt, message);
      }
    }
    if (pending.length > 0) {
      return {
        done: false,
        state: { ...state, pending, firstError },
        delayMs: Math.min(Math.max(wait, 1), 60) * 1000,
      };
    }
    if (state.children) {
      const parts: ScanDetails[] = [];
      for (const child of state.children) {
        const details = await this.scans.storedDetails(child, state.scanner);
        if (details) parts.push(details);
      }
      if (parts.length > 0) await this.scans.succeed(state.attempt, union(parts));
      else await this.scans.fail(state.attempt, firstError ?? 'no image of the index was scanned');
    }
    return { done: true };
  }

  /** Ends a scan that can no longer be followed (its polls kept failing): every pending report fails. */
  async abandon(state: ExternalScanState, message: string): Promise<void> {
    for (const request of state.pending) await this.scans.fail(request.attempt, message);
    if (state.children && !state.pending.some((r) => r.attempt.digest === state.attempt.digest))
      await this.scans.fail(state.attempt, message);
  }

  /**
   * What the adapter sends the registry: a pull token for the repository, as a Bearer token when the
   * adapter asks for one (`harbor.scanner-adapter/registry-authorization-type`), else as the
   * password of Basic credentials (`scanner$<name>`), which the token service also accepts.
   */
  private async authorization(
    registration: ScannerRegistration,
    metadata: AdapterMetadata,
    repository: string,
  ): Promise<string> {
    const subject = `${scannerPrefix}${registration.name.replace(/[^A-Za-z0-9._-]/g, '-')}`;
    const access: Access[] = [{ type: 'repository', name: repository, actions: ['pull'] }];
    const { token } = await this.tokens.issue(subject, this.options.service, access, {
      expirySeconds: this.options.pullTokenSeconds,
    });
    return metadata.properties?.['harbor.scanner-adapter/registry-authorization-type'] === 'Bearer'
      ? `Bearer ${token}`
      : `Basic ${Buffer.from(`${subject}:${token}`).toString('base64')}`;
  }
}
