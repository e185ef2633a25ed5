import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventSink } from '../domain/events.js';
import type { AllowlistService } from '../scan/index.js';
import { empty, noContent, report, requireAuthenticated, requireSystemAccess } from './context.js';
import { allowlistResponse } from './presenters/allowlist.js';
import { CVEAllowlist, errorResponses, ref } from './schemas/index.js';

export interface AllowlistRoutesDeps {
  readonly allowlists: AllowlistService;
  readonly events: EventSink;
}

/** The system CVE allowlist (projects' own lists travel with the project, as `cve_allowlist`). */
export const allowlistRoutes: FastifyPluginAsyncTypebox<AllowlistRoutesDeps> = async (
  app,
  { allowlists, events },
) => {
  app.get(
    '/system/CVEAllowlist',
    {
      schema: {
        tags: ['SystemCVEAllowlist'],
        summary: 'The system CVE allowlist (any signed-in caller)',
        response: { 200: ref(CVEAllowlist), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      return allowlistResponse(await allowlists.get(0));
    },
  );

  app.put(
    '/system/CVEAllowlist',
    {
      schema: {
        tags: ['SystemCVEAllowlist'],
        summary: 'Replace the system CVE allowlist (system administrators)',
        body: ref(CVEAllowlist),
        response: { 200: noContent('Replaced'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'configuration', 'update');
      const body = request.body;
      await allowlists.set(
        0,
        body.items.map((i) => i.cve_id),
        body.expires_at ?? undefined,
      );
      report(events, request, {
        operation: 'update',
        resourceType: 'project',
        resource: 'system CVE allowlist',
      });
      return empty(reply, 200);
    },
  );
};
