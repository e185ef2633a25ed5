import type { Logger } from 'pino';
import type { DomainEvent } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { JobHandler, JobQueue } from '../jobs/index.js';
import type { SbomPublisher } from './sbom-publisher.js';
import type { ScanService } from './scan.service.js';
import type { VulnDbUpdater } from './vulndb/updater.js';

export const scanJob = 'scan';
export const vulndbUpdateJob = 'vulndb-update';

interface ScanPayload {
  readonly repository: string;
  readonly digest: string;
}

/**
 * Puts scans on the durable queue: on request (the API), and on push when the project's `auto_scan`
 * is on. One waiting scan per digest: asking again while one waits adds nothing.
 */
export class ScanScheduler {
  constructor(
    private readonly queue: JobQueue,
    private readonly scans: ScanService,
    private readonly projects: ProjectService,
    private readonly logger: Logger,
    private readonly wake: () => void,
    private readonly sboms: SbomPublisher,
    private readonly updater: VulnDbUpdater,
  ) {}

  /** Queues an update of the vulnerability database from the mirror (one at a time). */
  async requestDbUpdate(): Promise<boolean> {
    const queued = await this.queue.enqueue(
      vulndbUpdateJob,
      {},
      { dedupeKey: vulndbUpdateJob, maxAttempts: 2 },
    );
    this.wake();
    return queued;
  }

  /** Queues a new scan of every artifact scanned before (after the database changed). */
  rescanAll(): Promise<number> {
    return this.enqueueAll(this.scans.scannedArtifacts());
  }

  /** Queues a scan of every image and index in the registry ("scan all"). */
  scanAll(): Promise<number> {
    return this.enqueueAll(this.scans.allArtifacts());
  }

  private async enqueueAll(list: Promise<{ repository: string; digest: string }[]>): Promise<number> {
    const targets = await list;
    for (const { repository, digest } of targets) {
      await this.scans.markPending(digest);
      await this.queue.enqueue(scanJob, { repository, digest } satisfies ScanPayload, {
        dedupeKey: `scan ${digest}`,
      });
    }
    this.wake();
    return targets.length;
  }

  /** Job: update the database; when records changed, rescan what was scanned. */
  readonly updateHandler: JobHandler = async () => {
    const outcome = await this.updater.update();
    if (outcome.changed) {
      const queued = await this.rescanAll();
      this.logger.info({ module: 'vulndb', rescans: queued }, 'vulnerability database changed; rescanning');
    }
  };

  async request(repository: string, digest: string): Promise<void> {
    await this.scans.markPending(digest);
    await this.queue.enqueue(scanJob, { repository, digest } satisfies ScanPayload, {
      dedupeKey: `scan ${digest}`,
    });
    this.wake();
  }

  /** Event-bus subscriber: scans pushed manifests of projects with auto_scan on. */
  readonly onEvent = (event: DomainEvent): void => {
    if (event.operation !== 'push' || !event.success || !event.repository || !event.digest) return;
    const { repository, digest } = event;
    void this.autoScan(repository, digest).catch((error: unknown) =>
      this.logger.error(
        { module: 'scan', repository, digest, err: error },
        'failed to schedule a scan on push',
      ),
    );
  };

  private async autoScan(repository: string, digest: string): Promise<void> {
    const project = await this.projects.find(repository.split('/')[0] as string);
    if (!project) return;
    const metadata = JSON.parse(project.metadata) as { auto_scan?: string };
    if (metadata.auto_scan === 'true') await this.request(repository, digest);
  }

  /** Runs a scan; after a successful one, publishes the image's SBOMs as its referrers. */
  readonly handler: JobHandler = async (payload) => {
    const { repository, digest } = payload as ScanPayload;
    const report = await this.scans.scan(repository, digest);
    if (report.status !== 'Success') return;
    const details = await this.scans.storedDetails(digest);
    if (details) await this.sboms.publish(repository, digest, details);
  };
}
