import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { type Config, databaseUrl } from './config/index.js';
import { connectDatabase, migrateToLatest } from './db/index.js';
import { schedule } from './jobs/index.js';
import { trackConnections } from './lib/drain.js';
import { createServices, type Services } from './services.js';
import { createStorage } from './storage/index.js';

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  });
}

export interface RunningServer {
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  readonly url: string;
  /** The services the server was built from (tests reach the scan-all timer through them). */
  readonly services: Services;
  /** The first administrator's password when Berth generated it on this start (shown once, never logged). */
  readonly generatedAdminPassword?: string | undefined;
  /** Stops accepting connections, lets in-flight requests finish (up to the shutdown timeout), then closes everything. */
  close(): Promise<void>;
}

/** The composition root: config → logger → database (+ migrations) → storage → services → app → listen. */
export async function startServer(config: Config, logger = createLogger(config)): Promise<RunningServer> {
  const database = await connectDatabase(databaseUrl(config), {
    poolSize: config.database.poolSize,
    preparedStatements: config.database.preparedStatements,
  });
  await migrateToLatest(database);
  const storage = await createStorage(config);
  const deps = { database, storage, logger };
  const services = createServices(deps, config);
  const app = await buildApp(deps, config, services);
  const admin = await services.users.bootstrapAdmin(config.auth.adminPassword);
  if (admin)
    logger.info({ module: 'users', username: admin.user.username }, 'created the system administrator');

  services.uploads
    .cleanup()
    .then((result) => logger.info({ module: 'uploads', ...result }, 'removed stale upload state'))
    .catch((error: unknown) =>
      logger.error({ module: 'uploads', err: error }, 'failed to remove stale upload state'),
    );

  const cron = config.vulndb.updateSchedule
    ? schedule(config.vulndb.updateSchedule, () => {
        services.scanScheduler
          .requestDbUpdate()
          .catch((error: unknown) =>
            logger.error({ module: 'vulndb', err: error }, 'failed to queue an update'),
          );
      })
    : undefined;
  // Read-only mode is known before the first request, and read again once changes are followed.
  await services.settings.load();
  const drain = trackConnections(app.server);
  const url = await app.listen({ host: config.host, port: config.port });
  services.listening.url = url;
  services.signals.start();
  await services.settings.load();
  // After the signals: the timer follows schedule changes made by any process from here on.
  await services.scanAllSchedules.start();
  await services.gcSchedules.start();
  await services.auditPurgeSchedules.start();
  await services.retention.startSchedules();
  services.jobs.start();
  logger.info({ url, database: database.dialect, storage: storage.name }, 'berth is listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const timeout = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; closing their connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutSeconds * 1000);
      timeout.unref();
      try {
        drain();
        await app.close();
        cron?.stop();
        services.scanAllSchedules.stop();
        services.gcSchedules.stop();
        services.auditPurgeSchedules.stop();
        services.retention.stopSchedules();
        await services.jobs.stop();
        await services.signals.stop();
      } finally {
        clearTimeout(timeout);
        await services.audit.close();
        await services.pulls.close();
        await storage.close();
        await database.close();
      }
    })();
    return closing;
  };
  return { app, url, services, close, generatedAdminPassword: admin?.generatedPassword };
}
