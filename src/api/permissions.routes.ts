import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { robotPermissions } from '../auth/index.js';
import type { MemberService } from '../domain/member/index.js';
import { BerthError } from '../lib/errors.js';
import { requireAuthenticated } from './context.js';
import { errorResponses, Permissions, ref } from './schemas/index.js';

export interface PermissionRoutesDeps {
  readonly members: MemberService;
}

/** Harbor's two small global operations: the liveness ping and the list of permissions robots may hold. */
export const permissionRoutes: FastifyPluginAsyncTypebox<PermissionRoutesDeps> = async (app, { members }) => {
  app.get(
    '/ping',
    {
      schema: {
        tags: ['ping'],
        summary: 'Answers Pong while the API server is up (whatever the health of what it uses)',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Pong' }) },
      },
    },
    async (_request, reply) => reply.type('text/plain').send('Pong'),
  );

  app.get(
    '/permissions',
    {
      schema: {
        tags: ['permissions'],
        summary:
          'The system and project permissions a robot may be given: for system administrators both, for project administrators the project ones',
        response: { 200: ref(Permissions), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      if (request.security.isSysAdmin)
        return { system: [...robotPermissions.system], project: [...robotPermissions.project] };
      const principal = request.security.principal;
      if (principal?.kind === 'user' && (await members.isProjectAdminAnywhere(principal.id)))
        return { project: [...robotPermissions.project] };
      throw new BerthError('FORBIDDEN', 'only admins (system and project) can access permissions');
    },
  );
};
