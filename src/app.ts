import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController } from 'fastify';
import { apiPlugin, sessionRoutes } from './api/index.js';
import { scannerPrefix } from './auth/index.js';
import type { Config } from './config/index.js';
import { type RegistryAuthDeps, registryRoutes, tokenRoutes } from './registry/index.js';
import { type AppDeps, createServices, version } from './services.js';

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
