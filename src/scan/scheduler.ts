import type { Logger } from 'pino';
import type { DomainEvent } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { JobHandler, JobQueue } from '../jobs/index.js';
import type { SbomPublisher } from './sbom-publisher.js';
import type { ScanService } from './scan.service.js';

export const scanJob = 'scan';

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
    private readonly sboms?: SbomPublisher,
  ) {}

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
    if (report.status !== 'Success' || !this.sboms) return;
    const details = await this.scans.storedDetails(digest);
    if (details) await this.sboms.publish(repository, digest, details);
  };
}
