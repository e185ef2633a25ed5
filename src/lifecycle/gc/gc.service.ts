import { retryConflicts } from '../../db/index.js';
import { deleteIfUntagged, untaggedArtifacts, untaggedTree } from '../../domain/artifact/index.js';
import type { ServiceContext } from '../../domain/context.js';
import type { ImmutableRules } from '../../domain/immutable/index.js';
import {
  type Job,
  JobDeferred,
  type JobQueue,
  RunLog,
  SystemJob,
  type SystemRuns,
} from '../../jobs/index.js';
import { parseDigest } from '../../lib/digest.js';
import { BerthError, isBerthError } from '../../lib/errors.js';
import { blobKey, blobsRoot, digestOfBlobKey } from '../../storage/index.js';
import type { GcParameters, GcResult, GcRun } from './gc.model.js';
import * as repo from './gc.repo.js';

/** The job that runs a GC: `{runId}` for a run made by a request, a ScheduledFire for a scheduled one. */
export const gcJob = 'gc';

/** Harbor's vendor type of GC executions and schedules. */
export const gcVendor = 'GARBAGE_COLLECTION';

/** GC's parameters as a schedule stores them and Harbor shows them (`delete_untagged`, `dry_run`, `workers`). */
export const gcStored = (p: GcParameters): Record<string, unknown> => ({
  delete_untagged: p.deleteUntagged,
  dry_run: p.dryRun,
  workers: p.workers,
});

/** The lease one GC at a time holds across every replica. */
const gcLease = 'gc';

const batchSize = 1000;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

export interface GcOptions {
  readonly timeWindowMinutes: number;
}

/**
 * Garbage collection: a run is recorded, then queued; whichever replica's job runner takes the job
 * holds the `gc` lease for the run's length (renewed with the job's), so two never run at once (a
 * second run waits in the queue). See the README's "Garbage collection" for why a run is safe beside
 * pushes, mounts and pulls.
 */
export class GcService extends SystemJob<GcParameters, GcResult> {
  constructor(
    ctx: ServiceContext,
    deps: {
      readonly queue: JobQueue;
      readonly wake: () => void;
      readonly options: GcOptions;
      readonly immutable: ImmutableRules;
      readonly readOnly?: () => boolean;
    },
  ) {
    super(ctx, deps, {
      vendor: gcVendor,
      job: gcJob,
      keep: 50,
      notFound: (id) => `garbage collection execution ${id} not found`,
    });
    this.options = deps.options;
    this.immutable = deps.immutable;
  }

  private readonly options: GcOptions;
  private readonly immutable: ImmutableRules;

  /** The parameters of a run, from Harbor's (workers 1–5) with Berth's window. */
  parameters(request: { deleteUntagged?: boolean; dryRun?: boolean; workers?: number }): GcParameters {
    const workers = request.workers ?? 1;
    if (!Number.isInteger(workers) || workers <= 0 || workers > 5)
      throw new BerthError(
        'INVALID_INPUT',
        `Error: Invalid number of workers:${workers}. Workers must be greater than 0 and less than or equal to 5.`,
      );
    return {
      deleteUntagged: request.deleteUntagged ?? false,
      dryRun: request.dryRun ?? false,
      workers,
      timeWindowMinutes: this.options.timeWindowMinutes,
    };
  }

  protected fromSchedule(stored: Readonly<Record<string, unknown>>): GcParameters {
    return this.parameters({
      deleteUntagged: stored.delete_untagged === true,
      dryRun: stored.dry_run === true,
      workers: typeof stored.workers === 'number' && stored.workers > 0 ? stored.workers : 1,
    });
  }

  /** Runs (or resumes) one GC while holding the lease; another GC running defers the job. */
  protected async execute(run: GcRun, job: Job): Promise<void> {
    if (!(await this.deps.queue.acquireLease(gcLease)))
      throw new JobDeferred(2000, 'another garbage collection is running');
    const beat = this.deps.queue.heartbeat(job, [gcLease]);
    try {
      await new GcExecution(this.ctx, this.runs, run, beat.lost, this.immutable).execute();
    } finally {
      beat.stop();
      await this.deps.queue.releaseLease(gcLease);
    }
  }
}

class Stopped extends Error {}

/** One run: untagged manifests, then unreferenced blobs, then data no row records, each in batches. */
interface Progress {
  readonly blobsDeleted: number;
  readonly manifestsDeleted: number;
  readonly bytesFreed: number;
}

class GcExecution {
  private logged: RunLog | undefined;
  private readonly cutoff: number;
  /** Manifests a dry run would delete (their blobs count as freed when nothing else references them). */
  private readonly doomed = new Set<number>();
  private readonly counted = new Set<string>();
  private total: Progress;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly runs: SystemRuns<GcParameters, GcResult>,
    private readonly run: GcRun,
    private readonly lost: AbortSignal,
    private readonly immutable: ImmutableRules,
  ) {
    this.cutoff = ctx.now() - run.parameters.timeWindowMinutes * 60_000;
    // A resumed run goes on counting from what it had done.
    this.total = {
      blobsDeleted: run.result.purged_blobs ?? 0,
      manifestsDeleted: run.result.purged_manifests ?? 0,
      bytesFreed: run.result.freed_space ?? 0,
    };
  }

  private get p(): GcParameters {
    return this.run.parameters;
  }

  async execute(): Promise<void> {
    this.logged = await RunLog.open(this.runs, this.run.id, this.ctx.now);
    if (this.run.status === 'Running') this.log('the run was interrupted (a restart): resuming it');
    await this.runs.setStatus(this.run.id, 'Running', this.ctx.now());
    try {
      this.log('start to run gc in job.');
      this.log(
        `Garbage Collection parameters: [delete_untagged: ${this.p.deleteUntagged}, dry_run: ${this.p.dryRun}, time_window: ${this.p.timeWindowMinutes} minutes, workers: ${this.p.workers}]`,
      );
      if (this.p.deleteUntagged) await this.untagged();
      if (!this.p.dryRun) await this.resumeMarked();
      await this.blobs();
      await this.orphans();
      if (this.p.dryRun) {
        this.log(
          `${this.total.blobsDeleted} blobs and ${this.total.manifestsDeleted} manifests eligible for deletion`,
        );
        this.log(`The GC could free up ${mib(this.total.bytesFreed)} MB space.`);
      } else {
        this.log(
          `${this.total.blobsDeleted} blobs and ${this.total.manifestsDeleted} manifests are actually deleted`,
        );
        this.log(`The GC job actual frees up ${mib(this.total.bytesFreed)} MB space.`);
      }
      this.log('success to run gc in job.');
      await this.flush();
      await this.runs.setStatus(this.run.id, 'Success', this.ctx.now());
    } catch (error) {
      // Another process took the run over (this one stalled past its lease): it is that one's now.
      if (this.lost.aborted && error === this.lost.reason) throw error;
      const stopped = error instanceof Stopped;
      this.log(
        stopped
          ? 'received the stop signal, quit GC job.'
          : `failed to run gc in job: ${error instanceof Error ? error.message : String(error)}`,
      );
      await this.flush();
      await this.runs.setStatus(this.run.id, stopped ? 'Stopped' : 'Error', this.ctx.now());
    }
  }

  private log(line: string): void {
    this.logged?.line(line);
  }

  /** Writes the lines logged since the last batch, and what the batch freed; then looks for a stop. */
  private async batchDone(delta: Progress): Promise<void> {
    this.total = {
      blobsDeleted: this.total.blobsDeleted + delta.blobsDeleted,
      manifestsDeleted: this.total.manifestsDeleted + delta.manifestsDeleted,
      bytesFreed: this.total.bytesFreed + delta.bytesFreed,
    };
    await this.flush();
    await this.runs.setResult(
      this.run.id,
      {
        purged_blobs: this.total.blobsDeleted,
        purged_manifests: this.total.manifestsDeleted,
        freed_space: this.total.bytesFreed,
      },
      this.ctx.now(),
    );
    if (this.lost.aborted) throw this.lost.reason;
    if ((await this.runs.get(this.run.id))?.stoppedAt) throw new Stopped();
  }

  private async flush(): Promise<void> {
    await this.logged?.flush();
  }

  /** Runs `work` over the items, `workers` at once. */
  private async parallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    const next = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    };
    await Promise.all(Array.from({ length: this.p.workers }, next));
  }

  private async untagged(): Promise<void> {
    this.log(
      `start to delete untagged artifact${this.p.dryRun ? ' (no actually deletion for dry-run mode)' : ''}`,
    );
    for (let after = 0; ; ) {
      const page = await untaggedArtifacts(this.ctx.db, after, this.cutoff, 200);
      if (page.length === 0) break;
      after = page[page.length - 1]?.id ?? after;
      let manifests = 0;
      await this.parallel(page, async (artifact) => {
        const described = (digest: string) =>
          `ProjectID:(${artifact.projectId})-RepositoryName(${artifact.repository})-MediaType:(${artifact.mediaType})-Digest:(${digest})`;
        if (this.p.dryRun) {
          const ids = await untaggedTree(this.ctx.db, artifact);
          for (const id of ids) this.doomed.add(id);
          manifests += ids.length;
          this.log(`the untagged artifact would be deleted: ${described(artifact.digest)}`);
          return;
        }
        // Immutable tags on what would go with it (a tagged accessory) keep the whole artifact.
        const guard = await this.immutable.deletionGuard(artifact.repository);
        const deleted = await deleteIfUntagged(
          this.ctx.db,
          this.ctx.dialect,
          artifact,
          this.cutoff,
          guard,
        ).catch((error: unknown) => {
          if (!isBerthError(error) || error.code !== 'PRECONDITION_FAILED') throw error;
          this.log(`kept the untagged artifact ${described(artifact.digest)}: ${error.message}`);
          return [];
        });
        manifests += deleted.length;
        for (const digest of deleted) this.log(`delete the untagged artifact: ${described(digest)}`);
      });
      await this.batchDone({ blobsDeleted: 0, manifestsDeleted: manifests, bytesFreed: 0 });
    }
    this.log(
      `end to delete untagged artifact${this.p.dryRun ? ' (no actually deletion for dry-run mode)' : ''}`,
    );
  }

  /** Blobs a crashed run had marked: looked at again, then removed or released. */
  private async resumeMarked(): Promise<void> {
    for (let after = ''; ; ) {
      const marked = await repo.markedBlobs(this.ctx.db, after, batchSize);
      if (marked.length === 0) return;
      after = marked[marked.length - 1]?.digest ?? after;
      this.log(`resuming ${marked.length} blobs marked for deletion by an interrupted run`);
      await this.sweep(marked);
    }
  }

  private async blobs(): Promise<void> {
    for (let after = ''; ; ) {
      const candidates = await repo.unneededBlobs(this.ctx.db, after, this.cutoff, batchSize);
      if (candidates.length === 0) break;
      after = candidates[candidates.length - 1]?.digest ?? after;
      if (this.p.dryRun) {
        await this.wouldFree(candidates);
        continue;
      }
      const marked = new Set(
        await repo.markDeleting(
          this.ctx.db,
          this.ctx.dialect,
          candidates.map((c) => c.digest),
        ),
      );
      await this.sweep(candidates.filter((c) => marked.has(c.digest)));
    }
    if (this.p.dryRun) await this.doomedBlobs();
  }

  /** Marked blobs: those still unneeded lose their data, then their rows; the others are released. */
  private async sweep(marked: readonly repo.BlobCandidate[]): Promise<void> {
    const db = this.ctx.db;
    const keep = new Set(
      await repo.neededAfterAll(
        db,
        marked.map((m) => m.digest),
        this.cutoff,
      ),
    );
    await repo.unmark(db, [...keep]);
    const doomed = marked.filter((m) => !keep.has(m.digest));
    const keys = new Map(doomed.map((m) => [blobKey(parseDigest(m.digest)), m]));
    const failed = new Set(await this.ctx.storage.deleteMany([...keys.keys()], this.p.workers));
    const removed = doomed.filter((m) => !failed.has(blobKey(parseDigest(m.digest))));
    for (const key of failed) this.log(`failed to delete blob from storage: ${keys.get(key)?.digest ?? key}`);
    // Left marked, a blob whose data could not be removed stays unlinkable until the next run retries.
    await retryConflicts(() =>
      repo.deleteMarkedRows(
        db,
        this.ctx.dialect,
        removed.map((m) => m.digest),
      ),
    );
    for (const [i, m] of removed.entries())
      this.log(`[${i + 1}/${removed.length}] delete blob from storage: ${m.digest} (${m.size} bytes)`);
    await this.batchDone({
      blobsDeleted: removed.length,
      manifestsDeleted: 0,
      bytesFreed: removed.reduce((sum, m) => sum + m.size, 0),
    });
  }

  private async wouldFree(candidates: readonly repo.BlobCandidate[]): Promise<void> {
    const fresh = candidates.filter((c) => !this.counted.has(c.digest));
    for (const c of fresh) {
      this.counted.add(c.digest);
      this.log(`blob eligible for deletion: ${c.digest} (${c.size} bytes)`);
    }
    await this.batchDone({
      blobsDeleted: fresh.length,
      manifestsDeleted: 0,
      bytesFreed: fresh.reduce((sum, c) => sum + c.size, 0),
    });
  }

  /** A dry run's blobs that only the untagged artifacts it would delete reference. */
  private async doomedBlobs(): Promise<void> {
    const ids = [...this.doomed];
    for (let i = 0; i < ids.length; i += batchSize) {
      const blobs = await repo.blobsOfManifests(this.ctx.db, ids.slice(i, i + batchSize));
      const referencing = await repo.referencingManifests(
        this.ctx.db,
        blobs.map((b) => b.digest),
      );
      const stale = new Set(
        await repo.unneededOnceUnreferenced(
          this.ctx.db,
          blobs.map((b) => b.digest),
          this.cutoff,
        ),
      );
      await this.wouldFree(
        blobs.filter(
          (b) => stale.has(b.digest) && (referencing.get(b.digest) ?? []).every((id) => this.doomed.has(id)),
        ),
      );
    }
  }

  /** Data under blobs/ that no row records (an upload stopped between writing and recording it). */
  private async orphans(): Promise<void> {
    let batch: repo.BlobCandidate[] = [];
    const settle = async () => {
      const recorded = await repo.recordedDigests(
        this.ctx.db,
        batch.map((b) => b.digest),
      );
      const orphans = batch.filter((b) => !recorded.has(b.digest));
      batch = [];
      if (orphans.length === 0) return;
      if (this.p.dryRun) {
        await this.wouldFree(orphans);
        return;
      }
      const claimed = new Set(await repo.claimOrphans(this.ctx.db, orphans, this.ctx.now()));
      for (const orphan of orphans)
        if (claimed.has(orphan.digest)) this.log(`blob data that no record names: ${orphan.digest}`);
      await this.sweep(orphans.filter((o) => claimed.has(o.digest)));
    };
    for await (const object of this.ctx.storage.list(blobsRoot)) {
      const digest = digestOfBlobKey(object.key);
      if (digest === undefined || object.modified.getTime() >= this.cutoff) continue;
      batch.push({ digest, size: object.size });
      if (batch.length === batchSize) await settle();
    }
    await settle();
  }
}
