/** The composition of services: every domain, job and lifecycle service built from the database, store and config. */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  Authenticator,
  CredentialVersions,
  LoginThrottle,
  RegistryAccess,
  robotMayHold,
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

/** Berth's version, from package.json (shown by the API and given to scanners). */
export const version = (
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
