import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import pino from 'pino';
import { databaseUrl, loadConfig } from '../config/index.js';
import { connectDatabase, migrateToLatest, WriteBatcher } from '../db/index.js';
import { CacheSignals } from '../domain/cache-signals.js';
import { ImmutableRules } from '../domain/immutable/index.js';
import { JobQueue, JobRunner } from '../jobs/index.js';
import { GcService, gcJob } from '../lifecycle/index.js';
import { createStorage } from '../storage/index.js';

interface GcOptions {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  workers?: string;
  config?: string;
}

/**
 * `berth admin gc`: one garbage collection now. The run is queued like one the API starts, and this
 * process runs GC jobs until it ends, so it works with no server running, and with servers running
 * (whichever process takes the job holds the GC lease: the run never overlaps another).
 */
export function gcCommand(admin: Command): void {
  admin
    .command('gc')
    .description(
      'run garbage collection now: delete blobs no manifest references (and, with --delete-untagged, untagged artifacts), outside the time window',
    )
    .option('--dry-run', 'report what would be freed, delete nothing')
    .option('--delete-untagged', 'also delete artifacts that no tag names (with their accessories)')
    .option('--workers <n>', 'deletions at once, 1-5', '1')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: GcOptions) => {
      const config = loadConfig({ file: options.config, env: process.env });
      const logger = pino({ level: 'warn' }, pino.destination(2));
      const database = await connectDatabase(databaseUrl(config), { poolSize: 4 });
      const storage = await createStorage(config);
      const queue = new JobQueue(database.db, {
        dialect: database.dialect,
        now: Date.now,
        leaseMs: config.jobs.leaseSeconds * 1000,
      });
      const runner = new JobRunner(queue, logger, { concurrency: 1, pollMs: 500 });
      try {
        await migrateToLatest(database);
        const ctx = {
          db: database.db,
          dialect: database.dialect,
          storage,
          logger,
          now: Date.now,
          signals: new CacheSignals(database.db, { pollMs: config.database.cacheSyncMs, logger }),
          writes: new WriteBatcher(database.db, { combine: false, maxUnits: 1 }),
        };
        const gc = new GcService(ctx, {
          queue,
          wake: () => runner.wake(),
          options: config.gc,
          immutable: new ImmutableRules(ctx),
        });
        runner.handle(gcJob, gc.handler);
        const id = await gc.start(
          gc.parameters({
            dryRun: options.dryRun === true,
            deleteUntagged: options.deleteUntagged === true,
            workers: Number(options.workers),
          }),
        );
        console.log(`garbage collection ${id} queued`);
        runner.start();
        let printed = 0;
        for (;;) {
          const run = await gc.get(id);
          const log = await gc.log(id);
          process.stdout.write(log.slice(printed));
          printed = log.length;
          if (['Success', 'Error', 'Stopped'].includes(run.status)) {
            console.log(`garbage collection ${id}: ${run.status}`);
            if (run.status !== 'Success') process.exitCode = 1;
            break;
          }
          await sleep(250);
        }
      } finally {
        await runner.stop();
        await storage.close();
        await database.close();
      }
    });
}
