import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import type { StorageDriver } from '../storage/index.js';

/** What every registry service is built from; passed in, never imported as a singleton. */
export interface ServiceContext {
  readonly db: Kysely<Database>;
  readonly storage: StorageDriver;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}
