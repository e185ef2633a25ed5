import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { raiseVersion, versions } from './cache-versions.repo.js';

/**
 * What a process may remember that another process can change: credentials and permissions; the
 * schedules of recurring work (each process arms its own timers from the stored schedule); run-time
 * settings (read-only mode); projects' immutable tag rules.
 */
export type CacheTopic = 'credentials' | 'schedules' | 'projects' | 'settings' | 'immutable';

export interface CacheSignalOptions {
  /** How often every process reads the topics' versions: a change reaches it within this. */
  readonly pollMs: number;
  readonly logger: Logger;
}

/**
 * Cross-process cache invalidation through the database, on SQLite and PostgreSQL alike: a change
 * raises its topic's version (a row in `cache_versions`, in the changing transaction when there is
 * one); every process reads all versions once per poll interval and drops what it remembers of a
 * topic whose version moved. The process that made the change drops its own at once (and again at
 * its next poll, so nothing read while the change was committing survives). A poll that fails drops
 * everything (the process cannot know what it missed).
 */
export class CacheSignals {
  private readonly listeners = new Map<CacheTopic, (() => void)[]>();
  private readonly seen = new Map<string, number>();
  /** After the first poll, a topic not seen before has changed from nothing. */
  private initialized = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: CacheSignalOptions,
  ) {}

  /** Calls `listener` whenever the topic changes, here or in another process. */
  on(topic: CacheTopic, listener: () => void): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  /** Records a change of the topic (call it after the change committed) and tells this process's listeners. */
  async raise(topic: CacheTopic): Promise<void> {
    await raiseVersion(this.db, topic);
    this.notify(topic);
  }

  /** Starts polling; the first poll only learns the current versions. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = undefined;
      });
    }, this.options.pollMs);
    this.timer.unref();
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Reads every topic's version once; listeners of the topics that moved are called. */
  async poll(): Promise<void> {
    let rows: { topic: string; version: number }[];
    try {
      rows = await versions(this.db);
    } catch (error) {
      this.options.logger.warn(
        { module: 'cache', err: error },
        'failed to read cache versions; dropping caches',
      );
      for (const topic of this.listeners.keys()) this.notify(topic);
      return;
    }
    for (const { topic, version } of rows) {
      const before = this.seen.get(topic) ?? (this.initialized ? 0 : undefined);
      this.seen.set(topic, Number(version));
      if (before !== undefined && before !== Number(version)) this.notify(topic as CacheTopic);
    }
    this.initialized = true;
  }

  private notify(topic: CacheTopic): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
  }
}
