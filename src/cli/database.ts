import pino from 'pino';
import { databaseUrl, loadConfig } from '../config/index.js';
import { connectDatabase, migrateToLatest } from '../db/index.js';
import { CacheSignals } from '../domain/cache-signals.js';

/** Runs `work` against the configured database (migrated to the latest schema), then closes it. */
export async function withDatabase<T>(
  configFile: string | undefined,
  work: (ctx: {
    db: Awaited<ReturnType<typeof connectDatabase>>['db'];
    now: () => number;
    signals: CacheSignals;
  }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: configFile, env: process.env });
  const database = await connectDatabase(databaseUrl(config), { poolSize: 2 });
  try {
    await migrateToLatest(database);
    // What this command changes (a password, a robot) is announced to running servers, which drop
    // what they remember of it within their cache sync interval.
    const signals = new CacheSignals(database.db, {
      pollMs: config.database.cacheSyncMs,
      logger: pino({ level: 'warn' }, pino.destination(2)),
    });
    return await work({ db: database.db, now: Date.now, signals });
  } finally {
    await database.close();
  }
}
