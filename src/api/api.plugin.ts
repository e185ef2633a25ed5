import type {} from '@fastify/swagger';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.js';
import type { ArtifactService } from '../domain/artifact/index.js';
import type { AuditService } from '../domain/audit/index.js';
import type { EventSink } from '../domain/events.js';
import type { ImmutableRules } from '../domain/immutable/index.js';
import type { LabelService } from '../domain/label/index.js';
import type { MemberService } from '../domain/member/index.js';
import type { ProjectService } from '../domain/project/index.js';
import type { QuotaService } from '../domain/quota/index.js';
import type { RepositoryService } from '../domain/repository/index.js';
import type { RobotService } from '../domain/robot/index.js';
import type { SessionService } from '../domain/session/index.js';
import type { HealthService, SettingsService, StorageCapacityProbe } from '../domain/system/index.js';
import type { UserService } from '../domain/user/index.js';
import type { SystemJobSchedules } from '../jobs/index.js';
import type {
  AuditPurgeParameters,
  AuditPurgeService,
  GcParameters,
  GcService,
  RetentionService,
} from '../lifecycle/index.js';
import type {
  AllowlistService,
  ScanAllSchedules,
  ScanAllService,
  ScannerRegistrations,
  ScanScheduler,
  ScanService,
  VulnDbService,
  VulnerabilityPolicy,
} from '../scan/index.js';
import { admissionRoutes } from './admission.routes.js';
import { allowlistRoutes } from './allowlist.routes.js';
import { artifactAdditionRoutes } from './artifact-additions.routes.js';
import { artifactLabelRoutes } from './artifact-labels.routes.js';
import { artifactTagRoutes } from './artifact-tags.routes.js';
import { artifactRoutes } from './artifacts.routes.js';
import { auditRoutes } from './audit.routes.js';
import { configurationRoutes } from './configurations.routes.js';
import { apiErrorHandler, harborError } from './errors.js';
import { immutableRoutes } from './immutable.routes.js';
import { labelRoutes } from './labels.routes.js';
import { lifecycleRoutes } from './lifecycle.routes.js';
import { memberRoutes } from './members.routes.js';
import { permissionRoutes } from './permissions.routes.js';
import { projectMetadataRoutes } from './project-metadata.routes.js';
import { projectRoutes } from './projects.routes.js';
import { quotaRoutes } from './quotas.routes.js';
import { repositoryRoutes } from './repositories.routes.js';
import { retentionRoutes } from './retention.routes.js';
import { robotRoutes } from './robots.routes.js';
import { scanAllRoutes } from './scan-all.routes.js';
import { scannerRoutes } from './scanners.routes.js';
import { sharedSchemas } from './schemas/index.js';
import { searchRoutes } from './search.routes.js';
import { sessionOf } from './session.routes.js';
import { systemRoutes } from './system.routes.js';
import { userRoutes } from './users.routes.js';
import { validatorCompiler } from './validation.js';
import { vulndbRoutes } from './vulndb.routes.js';

export interface ApiDeps {
  readonly health: HealthService;
  readonly capacity: StorageCapacityProbe;
  /** The storage driver's name (filesystem, s3), as systeminfo shows it. */
  readonly storageName: string;
  readonly users: UserService;
  readonly projects: ProjectService;
  readonly members: MemberService;
  readonly robots: RobotService;
  readonly audit: AuditService;
  readonly artifacts: ArtifactService;
  readonly repositories: RepositoryService;
  readonly labels: LabelService;
  readonly sessions: SessionService;
  readonly scans: ScanService;
  readonly scanScheduler: ScanScheduler;
  readonly scanners: ScannerRegistrations;
  readonly scanAll: ScanAllService;
  readonly scanAllSchedules: ScanAllSchedules;
  readonly gc: GcService;
  readonly gcSchedules: SystemJobSchedules<GcParameters>;
  readonly auditPurge: AuditPurgeService;
  readonly auditPurgeSchedules: SystemJobSchedules<AuditPurgeParameters>;
  readonly retention: RetentionService;
  readonly allowlists: AllowlistService;
  readonly policy: VulnerabilityPolicy;
  readonly vulndb: VulnDbService;
  readonly registryHosts: readonly string[];
  readonly events: EventSink;
  readonly settings: SettingsService;
  readonly immutable: ImmutableRules;
  readonly quotas: QuotaService;
  readonly storagePerProject: number;
  readonly authenticator: Authenticator;
  readonly version: string;
  readonly externalUrl: string | undefined;
}

/** The Harbor-compatible management API, mounted at /api/v2.0. */
const readOnlySafe = new Set(['GET', 'HEAD', 'OPTIONS']);

function writableWhenReadOnly(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return (
    (request.method === 'PUT' && path === '/api/v2.0/configurations') ||
    (request.method === 'POST' && path === '/api/v2.0/admission')
  );
}

export const apiPlugin: FastifyPluginAsyncTypebox<ApiDeps> = async (app, options) => {
  // The options carry this plugin's own prefix; the route plugins get the dependencies alone.
  const { prefix: _prefix, ...deps } = options as ApiDeps & { prefix?: string };
  for (const schema of sharedSchemas) app.addSchema(schema);
  app.setValidatorCompiler(validatorCompiler(sharedSchemas));
  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(harborError('NOT_FOUND', `no such endpoint: ${request.method} ${request.url.slice(0, 200)}`));
  });
  app.decorateRequest('security');
  app.addHook('onRequest', async (request) => {
    const session = await sessionOf(deps.sessions, request);
    request.security = session
      ? deps.authenticator.forUser(session.user)
      : await deps.authenticator.authenticate(request.headers.authorization, request.ip);
    // Read-only mode refuses every write but turning it off, and the admission webhook's reviews
    // (a POST that changes nothing).
    if (!readOnlySafe.has(request.method) && !writableWhenReadOnly(request)) deps.settings.assertWritable();
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(systemRoutes, deps);
  await app.register(permissionRoutes, deps);
  await app.register(userRoutes, deps);
  await app.register(projectRoutes, deps);
  await app.register(projectMetadataRoutes, deps);
  await app.register(memberRoutes, deps);
  await app.register(robotRoutes, deps);
  await app.register(auditRoutes, deps);
  await app.register(repositoryRoutes, deps);
  await app.register(artifactRoutes, deps);
  await app.register(artifactTagRoutes, deps);
  await app.register(artifactAdditionRoutes, deps);
  await app.register(labelRoutes, deps);
  await app.register(artifactLabelRoutes, deps);
  await app.register(searchRoutes, deps);
  await app.register(allowlistRoutes, deps);
  await app.register(admissionRoutes, deps);
  await app.register(vulndbRoutes, deps);
  await app.register(scannerRoutes, deps);
  await app.register(scanAllRoutes, deps);
  await app.register(lifecycleRoutes, deps);
  await app.register(configurationRoutes, deps);
  await app.register(immutableRoutes, deps);
  await app.register(quotaRoutes, deps);
  await app.register(retentionRoutes, deps);
};
