import { databaseUrl, loadConfig } from '../config/index.js';
import { connectDatabase, migrateToLatest } from '../db/index.js';

/** Runs `work` against the configured database (migrated to the latest schema), then closes it. */
export async function withDatabase<T>(
  configFile: string | undefined,
  work: (ctx: { db: Awaited<ReturnType<typeof connectDatabase>>['db']; now: () => number }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: configFile, env: process.env });
  const database = await connectDatabase(databaseUrl(config), { poolSize: 2 });
  try {
    await migrateToLatest(database);
    return await work({ db: database.db, now: Date.now });
  } finally {
    await database.close();
  }
}
