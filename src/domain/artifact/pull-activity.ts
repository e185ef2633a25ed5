import type { ServiceContext } from '../context.js';
import type { DomainEvent } from '../events.js';

interface RepositoryPulls {
  count: number;
  readonly digests: Map<string, number>;
  readonly tags: Map<string, number>;
}

/**
 * Pull counts and last-pull times of repositories, artifacts and tags. A manifest GET only notes the
 * pull in memory; the notes are written together at most `flushMs` later (and on close), so pulls never
 * wait on a database write. A crash loses at most that window of statistics, never registry data.
 */
export class PullActivity {
  private pending = new Map<string, RepositoryPulls>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'logger'>,
    private readonly flushMs: number,
  ) {}

  /** Event-bus subscriber: successful manifest pulls that carry the pulled digest. */
  readonly record = (event: DomainEvent): void => {
    if (event.operation !== 'pull' || !event.success || !event.repository || !event.digest) return;
    let pulls = this.pending.get(event.repository);
    if (!pulls) {
      pulls = { count: 0, digests: new Map(), tags: new Map() };
      this.pending.set(event.repository, pulls);
    }
    pulls.count += 1;
    pulls.digests.set(event.digest, event.time);
    if (event.tag !== undefined) pulls.tags.set(event.tag, event.time);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  };

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.writing
      .then(() => this.write(batch))
      .catch((error: unknown) => {
        this.ctx.logger.error({ module: 'pull-activity', err: error }, 'failed to record pull times');
      });
    return this.writing;
  }

  private async write(batch: ReadonlyMap<string, RepositoryPulls>): Promise<void> {
    // Statement by statement, not one transaction: on SQLite a transaction would hold the one
    // connection while pulls queue behind it, and each update is right on its own.
    const db = this.ctx.db;
    for (const [name, pulls] of batch) {
      const repository = await db
        .updateTable('repositories')
        .set((eb) => ({ pull_count: eb('pull_count', '+', pulls.count) }))
        .where('name', '=', name)
        .returning('id')
        .executeTakeFirst();
      if (!repository) continue;
      for (const [digest, time] of pulls.digests) {
        await db
          .updateTable('manifests')
          .set({ pull_time: time })
          .where('repository_id', '=', repository.id)
          .where('digest', '=', digest)
          .execute();
      }
      for (const [tag, time] of pulls.tags) {
        await db
          .updateTable('tags')
          .set({ pull_time: time })
          .where('repository_id', '=', repository.id)
          .where('name', '=', tag)
          .execute();
      }
    }
  }

  close(): Promise<void> {
    return this.flush();
  }
}
