import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { apiPlugin, sessionRoutes } from './api/index.js';
import {
  Authenticator,
  CredentialVersions,
  LoginThrottle,
  RegistryAccess,
  robotMayHold,
  scannerPrefix,
  TokenService,
} from './auth/index.js';
import { type Config, filesystemRoot } from './config/index.js';
import { type DatabaseHandle, WriteBatcher } from './db/index.js';
import { ArtifactService, PullActivity } from './domain/artifact/index.js';
import { AuditService } from './domain/audit/index.js';
import { BlobService } from './domain/blob/index.js';
import { CacheSignals } from './domain/cache-signals.js';
import type { ServiceContext } from './domain/context.js';
import { ImmutableRules } from './domain/immutable/index.js';
import { LabelService } from './domain/label/index.js';
import { ManifestService } from './domain/manifest/index.js';
import { MemberService } from './domain/member/index.js';
import { ProjectService } from './domain/project/index.js';
import { QuotaService } from './domain/quota/index.js';
import { RepositoryService } from './domain/repository/index.js';
import { RobotService } from './domain/robot/index.js';
import { SessionService } from './domain/session/index.js';
import { HealthService, SettingsService, StorageCapacityProbe } from './domain/system/index.js';
import { UploadService } from './domain/upload/index.js';
import { UserService } from './domain/user/index.js';
import { EventBus } from './events/index.js';
import { JobQueue, JobRunner, SystemJobSchedules } from './jobs/index.js';
import {
  type AuditPurgeParameters,
  AuditPurgeService,
  auditPurgeJob,
  type GcParameters,
  GcService,
  gcJob,
  gcStored,
  RetentionService,
  retentionJob,
} from './lifecycle/index.js';
import { type RegistryAuthDeps, registryRoutes, tokenRoutes } from './registry/index.js';
import {
  AdapterClient,
  AllowlistService,
  ExternalScanner,
  SbomPublisher,
  ScanAllSchedules,
  ScanAllService,
  ScannerRegistrations,
  ScanScheduler,
  ScanService,
  scanAllJob,
  scanJob,
  scanReportJob,
  VulnDbService,
  VulnDbUpdater,
  VulnerabilityPolicy,
  vulndbUpdateJob,
} from './scan/index.js';
import type { StorageDriver } from './storage/index.js';

export interface AppDeps {
  readonly database: DatabaseHandle;
  readonly storage: StorageDriver;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface Services {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly users: UserService;
  readonly projects: ProjectService;
  readonly members: MemberService;
  readonly robots: RobotService;
  readonly events: EventBus;
  readonly audit: AuditService;
  readonly artifacts: ArtifactService;
  readonly labels: LabelService;
  readonly repositories: RepositoryService;
  readonly immutable: ImmutableRules;
  readonly quotas: QuotaService;
  readonly pulls: PullActivity;
  readonly sessions: SessionService;
  readonly jobs: JobRunner;
  readonly vulndb: VulnDbService;
  readonly scans: ScanService;
  readonly scanScheduler: ScanScheduler;
  readonly scanners: ScannerRegistrations;
  readonly scanAll: ScanAllService;
  /** The scan-all schedule; its timer is armed with the server. */
  readonly scanAllSchedules: ScanAllSchedules;
  readonly gc: GcService;
  /** The GC schedule; its timer is armed with the server. */
  readonly gcSchedules: SystemJobSchedules<GcParameters>;
  readonly auditPurge: AuditPurgeService;
  /** The audit-log purge schedule; its timer is armed with the server. */
  readonly auditPurgeSchedules: SystemJobSchedules<AuditPurgeParameters>;
  /** Tag retention; each policy's timer is armed with the server. */
  readonly retention: RetentionService;
  readonly health: HealthService;
  /** Run-time settings (read-only mode), followed across replicas; read at start. */
  readonly settings: SettingsService;
  readonly capacity: StorageCapacityProbe;
  readonly allowlists: AllowlistService;
  readonly policy: VulnerabilityPolicy;
  readonly authenticator: Authenticator;
  readonly tokens: TokenService;
  readonly credentials: CredentialVersions;
  readonly access: RegistryAccess;
  /** Cross-process cache invalidation; started with the server. */
  readonly signals: CacheSignals;
  /** The address this process listens at, once it does (where scanner adapters pull from by default). */
  readonly listening: { url: string };
}

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function createServices(deps: AppDeps, config: Config): Services {
  const ctx: ServiceContext = {
    db: deps.database.db,
    dialect: deps.database.dialect,
    storage: deps.storage,
    logger: deps.logger,
    now: deps.now ?? Date.now,
    signals: new CacheSignals(deps.database.db, {
      pollMs: config.database.cacheSyncMs,
      logger: deps.logger,
    }),
    writes: new WriteBatcher(deps.database.db, { combine: deps.database.dialect === 'sqlite', maxUnits: 32 }),
  };
  const blobs = new BlobService(ctx);
  const users = new UserService(ctx);
  const projects = new ProjectService(ctx);
  const members = new MemberService(ctx);
  const robots = new RobotService(ctx, { findProject: (name) => projects.find(name), accepts: robotMayHold });
  const events = new EventBus(deps.logger);
  const audit = new AuditService(ctx, { ...config.audit, dialect: deps.database.dialect });
  events.subscribe(audit.record);
  const pulls = new PullActivity(ctx, config.registry.pullStatsFlushMs);
  events.subscribe(pulls.record);
  const queue = new JobQueue(deps.database.db, {
    dialect: deps.database.dialect,
    now: ctx.now,
    leaseMs: config.jobs.leaseSeconds * 1000,
  });
  const jobs = new JobRunner(queue, deps.logger, {
    concurrency: config.jobs.concurrency,
    pollMs: config.jobs.pollMs,
  });
  const vulndb = new VulnDbService(ctx);
  const scans = new ScanService(ctx, vulndb);
  const immutable = new ImmutableRules(ctx);
  const manifests = new ManifestService(
    ctx,
    {
      maxBytes: config.registry.manifestMaxBytes,
      catalogMaxEntries: config.registry.catalogMaxEntries,
    },
    immutable,
  );
  const sboms = new SbomPublisher(ctx, blobs, manifests, { name: 'Berth', version });
  const updater = new VulnDbUpdater(vulndb, deps.logger, config.vulndb);
  const tokens = new TokenService(deps.database.db, {
    issuer: 'berth',
    expirySeconds: config.auth.tokenExpirySeconds,
    now: ctx.now,
  });
  const adapters = new AdapterClient();
  const scanners = new ScannerRegistrations(ctx, adapters, vulndb, version);
  const listening = { url: '' };
  const scanScheduler = new ScanScheduler({
    queue,
    scans,
    projects,
    logger: deps.logger,
    wake: () => jobs.wake(),
    sboms,
    updater,
    registrations: scanners,
    external: new ExternalScanner(scans, scanners, adapters, tokens, {
      service: config.auth.tokenService,
      registryUrl: (internal) =>
        (!internal && config.externalUrl) || config.scanners.internalRegistryUrl || listening.url,
      pullTokenSeconds: config.scanners.pullTokenMinutes * 60,
      reportTimeoutMs: config.scanners.reportTimeoutMinutes * 60_000,
      now: ctx.now,
    }),
    now: ctx.now,
  });
  jobs.handle(vulndbUpdateJob, scanScheduler.updateHandler);
  jobs.handle(scanJob, scanScheduler.handler);
  jobs.handle(scanReportJob, scanScheduler.reportHandler);
  const scanAll = new ScanAllService(ctx, {
    scans,
    scheduler: scanScheduler,
    registrations: scanners,
    queue,
  });
  jobs.handle(scanAllJob, scanAll.handler);
  const scanAllSchedules = new ScanAllSchedules(ctx, {
    scanAll,
    queue,
    signals: ctx.signals,
    wake: () => jobs.wake(),
  });
  const settings = new SettingsService(ctx);
  const readOnly = () => settings.values.readOnly;
  const gc = new GcService(ctx, { queue, wake: () => jobs.wake(), options: config.gc, immutable, readOnly });
  jobs.handle(gcJob, gc.handler);
  const scheduleDeps = { queue, signals: ctx.signals, wake: () => jobs.wake() };
  const gcSchedules = new SystemJobSchedules(ctx, gc, { label: 'gc', stored: gcStored }, scheduleDeps);
  const auditPurge = new AuditPurgeService(ctx, { queue, wake: () => jobs.wake(), readOnly });
  jobs.handle(auditPurgeJob, auditPurge.handler);
  const auditPurgeSchedules = new SystemJobSchedules(
    ctx,
    auditPurge,
    { label: 'purge audit', stored: AuditPurgeService.stored },
    scheduleDeps,
  );
  const retention = new RetentionService(ctx, {
    queue,
    wake: () => jobs.wake(),
    readOnly,
    signals: ctx.signals,
    projects,
    immutable,
    events: events.emit,
  });
  jobs.handle(retentionJob, retention.handler);
  const allowlists = new AllowlistService(ctx);
  events.subscribe(scanScheduler.onEvent);
  return {
    signals: ctx.signals,
    jobs,
    vulndb,
    scans,
    scanScheduler,
    scanners,
    scanAll,
    scanAllSchedules,
    gc,
    gcSchedules,
    auditPurge,
    auditPurgeSchedules,
    retention,
    health: new HealthService(ctx),
    settings,
    capacity: new StorageCapacityProbe(
      config.storage.driver === 'filesystem' ? filesystemRoot(config) : undefined,
    ),
    listening,
    allowlists,
    policy: new VulnerabilityPolicy(scans, allowlists, scanners),
    users,
    projects,
    members,
    robots,
    events,
    audit,
    artifacts: new ArtifactService(ctx, immutable),
    immutable,
    quotas: new QuotaService(ctx),
    labels: new LabelService(ctx),
    repositories: new RepositoryService(ctx, immutable),
    pulls,
    sessions: new SessionService(ctx, {
      idleMs: config.auth.sessionIdleMinutes * 60_000,
      maxMs: config.auth.sessionMaxHours * 3_600_000,
    }),
    tokens,
    credentials: new CredentialVersions(users, robots, ctx.signals, ctx.now),
    access: new RegistryAccess(projects),
    authenticator: new Authenticator(users, robots, members, {
      events: events.emit,
      cacheMs: config.auth.credentialCacheSeconds * 1000,
      now: ctx.now,
      throttle: new LoginThrottle(deps.database.db, {
        maxPerUser: config.auth.loginFailuresPerUser,
        maxPerAddress: config.auth.loginFailuresPerAddress,
        windowMs: config.auth.loginWindowSeconds * 1000,
        now: ctx.now,
      }),
      tokens,
      service: config.auth.tokenService,
      signals: ctx.signals,
    }),
    blobs,
    uploads: new UploadService(ctx, blobs, {
      ttlMs: config.registry.uploadTtlHours * 3_600_000,
      orphanGraceMs: config.registry.orphanGraceMinutes * 60_000,
    }),
    manifests,
  };
}

/** The HTTP application: every surface registered in an explicit order; nothing global. */
export async function buildApp(deps: AppDeps, config: Config, services = createServices(deps, config)) {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // Unknown fields are refused with a 400 naming them, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Forwarded headers are believed only from the configured proxies (README, Configuration): a
    // client elsewhere cannot claim another address to dodge sign-in throttling.
    trustProxy: [...config.http.trustedProxies],
    return503OnClosing: true,
    // Timeouts (README, Configuration): headers must arrive within headersTimeoutSeconds; bodies are
    // not timed as a whole (a slow 2 GiB push is legitimate) but a connection idle for
    // idleTimeoutSeconds is closed; kept-alive connections end keepAliveTimeoutSeconds after their
    // last request. Node checks the header deadline once a second.
    http: { headersTimeout: config.http.headersTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 },
    requestTimeout: 0,
    connectionTimeout: config.http.idleTimeoutSeconds * 1000,
    keepAliveTimeout: config.http.keepAliveTimeoutSeconds * 1000,
  });
  if (config.log.requests) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    });
  }
  await app.register(swagger, {
    // Every route, HEAD ones included (answered as their GET without a body, or as their own).
    exposeHeadRoutes: true,
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Berth API', version, description: 'Harbor-compatible management API of Berth' },
      components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' } } },
      security: [{ basic: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) || `def-${i}`,
    },
    // The document covers the management API only; /v2 is the OCI Distribution spec's.
    transform: ({ schema, url }) => ({
      schema: url.startsWith('/api/') ? schema : { ...schema, hide: true },
      url,
    }),
  });
  await app.register(swaggerUi, { routePrefix: '/devcenter', uiConfig: { url: '/api/v2.0/openapi.json' } });
  const auth: RegistryAuthDeps = {
    authenticator: services.authenticator,
    tokens: services.tokens,
    credentials: services.credentials,
    access: services.access,
    service: config.auth.tokenService,
    externalUrl: config.externalUrl || undefined,
  };
  await app.register(registryRoutes, {
    blobs: services.blobs,
    uploads: services.uploads,
    manifests: services.manifests,
    catalogMaxEntries: config.registry.catalogMaxEntries,
    auth,
    events: services.events.emit,
    assertWritable: () => services.settings.assertWritable(),
    pullGate: async (repository: string, digest: string, operator: string) => {
      // A scanner adapter pulls what it was asked to scan, whatever an earlier scan found.
      if (operator.startsWith(scannerPrefix)) return;
      const project = await services.projects.ownerOf(repository);
      if (project) await services.policy.check(project, digest);
    },
  });
  await app.register(tokenRoutes, {
    auth,
    users: services.users,
    refreshTokenDays: config.auth.refreshTokenDays,
  });
  // Cookies (portal sessions) belong to the management API and its sign-in routes only: registered in
  // their own scope, /v2 responses pay for no cookie hook.
  await app.register(async (api) => {
    await api.register(cookie);
    await api.register(sessionRoutes, { authenticator: services.authenticator, sessions: services.sessions });
    await api.register(apiPlugin, {
      prefix: '/api/v2.0',
      health: services.health,
      capacity: services.capacity,
      storageName: deps.storage.name,
      users: services.users,
      projects: services.projects,
      members: services.members,
      robots: services.robots,
      audit: services.audit,
      artifacts: services.artifacts,
      labels: services.labels,
      repositories: services.repositories,
      sessions: services.sessions,
      scans: services.scans,
      scanScheduler: services.scanScheduler,
      scanners: services.scanners,
      scanAll: services.scanAll,
      scanAllSchedules: services.scanAllSchedules,
      settings: services.settings,
      immutable: services.immutable,
      quotas: services.quotas,
      storagePerProject: config.quota.storagePerProject,
      gc: services.gc,
      gcSchedules: services.gcSchedules,
      auditPurge: services.auditPurge,
      retention: services.retention,
      auditPurgeSchedules: services.auditPurgeSchedules,
      allowlists: services.allowlists,
      policy: services.policy,
      vulndb: services.vulndb,
      registryHosts: [
        ...(URL.canParse(config.externalUrl) ? [new URL(config.externalUrl).host.toLowerCase()] : []),
        ...config.admission.registryHosts.map((h) => h.toLowerCase()),
      ],
      events: services.events.emit,
      authenticator: services.authenticator,
      version,
      externalUrl: config.externalUrl || undefined,
    });
  });
  return app;
}
