import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Dialect, WriteBatcher } from '../db/index.js';
import type { StorageDriver } from '../storage/index.js';
import type { CacheSignals } from './cache-signals.js';

/** What every registry service is built from; passed in, never imported as a singleton. */
export interface ServiceContext {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly storage: StorageDriver;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Tells every process that something it may cache has changed. */
  readonly signals: CacheSignals;
  /** Runs the push path's transactions (grouped into shared commits on SQLite). */
  readonly writes: WriteBatcher;
}
