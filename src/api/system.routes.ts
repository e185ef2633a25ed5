import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { HealthService, StorageCapacityProbe } from '../domain/system/index.js';
import { BerthError } from '../lib/errors.js';
import type { VulnDbService } from '../scan/index.js';
import { requireSystemAccess } from './context.js';
import { generalInfoResponse, healthResponse, volumesResponse } from './presenters/system.js';
import { errorResponses, GeneralInfo, OverallHealthStatus, ref, SystemInfo } from './schemas/index.js';

export interface SystemRoutesDeps {
  readonly health: HealthService;
  readonly capacity: StorageCapacityProbe;
  readonly vulndb: VulnDbService;
  readonly storageName: string;
  readonly version: string;
  readonly externalUrl: string | undefined;
}

/** Harbor's health, system information, storage volumes and CA certificate download. */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesDeps> = async (app, deps) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Check the status of Berth components (200 even when one is unhealthy, as Harbor)',
        response: { 200: ref(OverallHealthStatus) },
      },
    },
    async () => healthResponse(await deps.health.check()),
  );

  app.get(
    '/systeminfo',
    {
      schema: {
        tags: ['systeminfo'],
        summary: 'General system info; anonymous callers get only what the sign-in page needs',
        response: { 200: ref(GeneralInfo) },
      },
    },
    async (request) => {
      const signedIn = request.security.isAuthenticated;
      return generalInfoResponse(
        {
          externalUrl: deps.externalUrl || `${request.protocol}://${request.host}`,
          version: deps.version,
          storageName: deps.storageName,
          now: new Date(),
          vulnerabilityDatabase: signedIn ? await deps.vulndb.status() : [],
        },
        signedIn,
      );
    },
  );

  app.get(
    '/systeminfo/volumes',
    {
      schema: {
        tags: ['systeminfo'],
        summary:
          "The store's total and free bytes (system administrators): the filesystem store's disk; zeros for S3, whose size Berth cannot tell",
        response: { 200: ref(SystemInfo), ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'system-volumes', 'read');
      return volumesResponse(await deps.capacity.capacity());
    },
  );

  app.get(
    '/systeminfo/getcert',
    {
      schema: {
        tags: ['systeminfo'],
        summary: 'The default root CA certificate: Berth has none to offer, so 404 as Harbor without one',
        response: {
          200: Type.String({ description: 'the certificate (application/octet-stream)' }),
          404: errorResponses[404],
        },
      },
    },
    async () => {
      throw new BerthError(
        'NOT_FOUND',
        'resource not found: cert not found: no CA certificate is configured',
      );
    },
  );
};
