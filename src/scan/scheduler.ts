import type { Logger } from 'pino';
import type { DomainEvent } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import { projectNameOf } from '../domain/project/index.js';
import type { JobHandler, JobQueue } from '../jobs/index.js';
import { BerthError } from '../lib/errors.js';
import type { SbomPublisher } from './sbom-publisher.js';
import type { ScanService } from './scan.service.js';
import type { ExternalScanner, ExternalScanState } from './scanners/external.js';
import { builtInScannerId, type ScannerRegistrations } from './scanners/registrations.js';
import type { VulnDbUpdater } from './vulndb/updater.js';

export const scanJob = 'scan';
export const scanReportJob = 'scan-report';
export const vulndbUpdateJob = 'vulndb-update';

/** Attempts of one poll for an external scan's reports before the scan is given up. */
const reportAttempts = 5;

/** An artifact a scan of everything scans, and the scanner that scans it. */
export interface ScanAllTarget {
  readonly repository: string;
  readonly digest: string;
  readonly scanner: string;
}

interface ScanPayload {
  readonly repository: string;
  readonly digest: string;
  /** The scanner registration (absent in jobs queued before there were several: the built-in one). */
  readonly scanner?: string;
}

export interface ScanSchedulerDeps {
  readonly queue: JobQueue;
  readonly scans: ScanService;
  readonly projects: ProjectService;
  readonly logger: Logger;
  /** Tells the job runner there is work. */
  readonly wake: () => void;
  readonly sboms: SbomPublisher;
  readonly updater: VulnDbUpdater;
  readonly registrations: ScannerRegistrations;
  readonly external: ExternalScanner;
  readonly now: () => number;
}

/**
 * Puts scans on the durable queue: on request (the API), and on push when the project's `auto_scan`
 * is on, each with the project's scanner. One waiting scan per digest and scanner: asking again while
 * one waits adds nothing. An external scanner's scan is two kinds of job: sending the artifact, then
 * polling for its report until it is ready.
 */
export class ScanScheduler {
  constructor(private readonly deps: ScanSchedulerDeps) {}

  /** Queues an update of the vulnerability database from the mirror (one at a time). */
  async requestDbUpdate(): Promise<boolean> {
    const queued = await this.deps.queue.enqueue(
      vulndbUpdateJob,
      {},
      { dedupeKey: vulndbUpdateJob, maxAttempts: 2 },
    );
    this.deps.wake();
    return queued;
  }

  /** Queues a new built-in scan of every artifact it scanned before (after its database changed). */
  async rescanAll(): Promise<number> {
    const targets = await this.deps.scans.scannedArtifacts();
    for (const { repository, digest } of targets) await this.enqueue(repository, digest, builtInScannerId);
    this.deps.wake();
    return targets.length;
  }

  /**
   * What a scan of everything scans: every image and index in the registry, each by its project's
   * scanner (artifacts of projects whose scanner is disabled are left out).
   */
  async scanAllTargets(): Promise<ScanAllTarget[]> {
    const targets = await this.deps.scans.allArtifacts();
    const scanners = new Map<string, string | undefined>();
    const out: ScanAllTarget[] = [];
    for (const { repository, digest } of targets) {
      const projectName = projectNameOf(repository);
      if (!scanners.has(projectName)) {
        const project = await this.deps.projects.find(projectName);
        const registration = project && (await this.deps.registrations.forProject(project.id));
        scanners.set(projectName, registration && !registration.disabled ? registration.uuid : undefined);
      }
      const scanner = scanners.get(projectName);
      if (scanner !== undefined) out.push({ repository, digest, scanner });
    }
    return out;
  }

  /** Queues a scan of the artifact by this scanner, as part of a run (`batch`) when one is named. */
  async queueScan(target: ScanAllTarget, batch?: string): Promise<void> {
    await this.enqueue(target.repository, target.digest, target.scanner, batch);
  }

  /** Tells the job runner of this process there is work. */
  wake(): void {
    this.deps.wake();
  }

  private async enqueue(repository: string, digest: string, scanner: string, batch?: string): Promise<void> {
    await this.deps.scans.markPending(digest, scanner);
    await this.deps.queue.enqueue(scanJob, { repository, digest, scanner } satisfies ScanPayload, {
      dedupeKey: `scan ${scanner} ${digest}`,
      ...(batch === undefined ? {} : { batch }),
    });
  }

  /** Job: update the database; when records changed, rescan what was scanned. */
  readonly updateHandler: JobHandler = async () => {
    const outcome = await this.deps.updater.update();
    if (outcome.changed) {
      const queued = await this.rescanAll();
      this.deps.logger.info(
        { module: 'vulndb', rescans: queued },
        'vulnerability database changed; rescanning',
      );
    }
  };

  /** Queues a scan of the artifact by its project's scanner; refused when that scanner is disabled. */
  async request(repository: string, digest: string): Promise<void> {
    const project = await this.deps.projects.ownerOf(repository);
    if (!project) throw new BerthError('NOT_FOUND', `project of ${repository} not found`);
    const registration = await this.deps.registrations.forProject(project.id);
    if (registration.disabled)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `the scanner ${registration.name} of project ${project.name} is disabled; enable it or choose another`,
      );
    await this.enqueue(repository, digest, registration.uuid);
    this.deps.wake();
  }

  /**
   * Stops the artifact's scan by its project's scanner while it waits: the job leaves the queue and
   * its Pending report ends Stopped. A scan already running cannot be called back (PRECONDITION_FAILED);
   * an artifact with no scan waiting is NOT_FOUND.
   */
  async stop(repository: string, digest: string): Promise<void> {
    const project = await this.deps.projects.ownerOf(repository);
    if (!project) throw new BerthError('NOT_FOUND', `project of ${repository} not found`);
    const registration = await this.deps.registrations.forProject(project.id);
    if (await this.deps.queue.cancelKey(`scan ${registration.uuid} ${digest}`)) {
      await this.deps.scans.markStopped(digest, registration.uuid);
      return;
    }
    const report = await this.deps.scans.report(digest, registration.uuid);
    if (report?.status === 'Running')
      throw new BerthError('PRECONDITION_FAILED', 'the scan is running and cannot be stopped any more');
    throw new BerthError('NOT_FOUND', 'no scan of this artifact is waiting to run');
  }

  /** Event-bus subscriber: scans pushed manifests of projects with auto_scan on. */
  readonly onEvent = (event: DomainEvent): void => {
    if (event.operation !== 'push' || !event.success || !event.repository || !event.digest) return;
    const { repository, digest } = event;
    void this.autoScan(repository, digest).catch((error: unknown) =>
      this.deps.logger.error(
        { module: 'scan', repository, digest, err: error },
        'failed to schedule a scan on push',
      ),
    );
  };

  private async autoScan(repository: string, digest: string): Promise<void> {
    const project = await this.deps.projects.ownerOf(repository);
    if (!project) return;
    if (project.metadata.auto_scan !== 'true') return;
    const registration = await this.deps.registrations.forProject(project.id);
    if (registration.disabled) {
      this.deps.logger.warn(
        { module: 'scan', repository, digest, scanner: registration.name },
        'not scanning on push: the project scanner is disabled',
      );
      return;
    }
    await this.enqueue(repository, digest, registration.uuid);
    this.deps.wake();
  }

  /**
   * Runs a scan. The built-in scanner scans now and, after a successful scan, publishes the image's
   * SBOMs as its referrers; an external one is sent the artifact and polled for its report later.
   */
  readonly handler: JobHandler = async (payload) => {
    const { repository, digest, scanner = builtInScannerId } = payload as ScanPayload;
    if (scanner === builtInScannerId) {
      const report = await this.deps.scans.scan(repository, digest);
      if (report.status !== 'Success') return;
      const details = await this.deps.scans.storedDetails(digest, builtInScannerId);
      if (details) await this.deps.sboms.publish(repository, digest, details);
      return;
    }
    const registration = await this.deps.registrations.find(scanner);
    if (!registration || registration.disabled) {
      const attempt = await this.deps.scans.begin(digest, scanner);
      await this.deps.scans.fail(
        attempt,
        registration
          ? `the scanner ${registration.name} is disabled`
          : 'the scanner registration was removed',
      );
      return;
    }
    const state = await this.deps.external.submit(registration, repository, digest);
    if (state) await this.pollLater(state, 1000);
  };

  /** Job: asks an external adapter for the reports of a scan it accepted. */
  readonly reportHandler: JobHandler = async (payload, job) => {
    const state = payload as ExternalScanState;
    try {
      const outcome = await this.deps.external.poll(state);
      if (!outcome.done) await this.pollLater(outcome.state, outcome.delayMs);
    } catch (error) {
      // The queue retries; on the last attempt the scan ends as failed rather than Running forever.
      if (job.attempts < reportAttempts) throw error;
      const message = error instanceof Error ? error.message : String(error);
      await this.deps.external.abandon(state, `following the scan failed: ${message}`);
    }
  };

  private async pollLater(state: ExternalScanState, delayMs: number): Promise<void> {
    await this.deps.queue.enqueue(scanReportJob, state, {
      runAfter: this.deps.now() + delayMs,
      maxAttempts: reportAttempts,
    });
  }
}
