import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import type { VulnDbService } from '../scan/index.js';
import type { StorageDriver } from '../storage/index.js';
import { GeneralInfo, OverallHealthStatus, ref } from './schemas/index.js';

export interface SystemRoutesDeps {
  readonly vulndb: VulnDbService;
  readonly db: Kysely<Database>;
  readonly storage: StorageDriver;
  readonly version: string;
  readonly externalUrl: string | undefined;
}

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesDeps> = async (app, deps) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Check the status of Berth components',
        response: { 200: ref(OverallHealthStatus), 503: ref(OverallHealthStatus) },
      },
    },
    async (_request, reply) => {
      const check = async (name: string, probe: () => Promise<unknown>) => {
        try {
          await probe();
          return { name, status: 'healthy' };
        } catch (error) {
          return { name, status: 'unhealthy', error: (error as Error).message };
        }
      };
      const components = await Promise.all([
        check('database', () => sql`select 1`.execute(deps.db)),
        check('storage', () => deps.storage.stat('health-probe')),
      ]);
      const healthy = components.every((c) => c.status === 'healthy');
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'healthy' : 'unhealthy', components });
    },
  );

  app.get(
    '/systeminfo',
    {
      schema: {
        tags: ['systeminfo'],
        summary: 'General system info',
        response: { 200: ref(GeneralInfo) },
      },
    },
    async (request) => {
      const external = deps.externalUrl || `${request.protocol}://${request.host}`;
      return {
        current_time: new Date().toISOString(),
        registry_url: new URL(external).host,
        external_url: external,
        auth_mode: 'db_auth',
        primary_auth_mode: false,
        project_creation_restriction: 'everyone',
        self_registration: false,
        has_ca_root: false,
        harbor_version: `berth-${deps.version}`,
        registry_storage_provider_name: deps.storage.name,
        read_only: false,
        notification_enable: false,
        vulnerability_database: (await deps.vulndb.status()).map((s) => ({
          source: s.source,
          imported_at: new Date(s.importedAt).toISOString(),
          records: s.records,
        })),
      };
    },
  );
};
