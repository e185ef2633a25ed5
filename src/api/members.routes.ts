import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import {
  type MemberService,
  type MemberView,
  type ProjectService,
  roleNames,
} from '../domain/project/index.js';
import type { UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report } from './context.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { errorResponses, ProjectMember, ProjectMemberEntity, RoleRequest, ref } from './schemas/index.js';

export interface MemberRoutesDeps {
  readonly projects: ProjectService;
  readonly members: MemberService;
  readonly users: UserService;
  readonly events: EventSink;
}

const toEntity = (m: MemberView) => ({
  id: m.id,
  project_id: m.project_id,
  entity_name: m.entityName,
  role_name: roleNames[m.role] ?? '',
  role_id: m.role,
  entity_id: m.entity_id,
  entity_type: m.entity_type,
});

const MemberPath = Type.Object({
  project_name_or_id: Type.String({ minLength: 1 }),
  mid: Type.Integer({ minimum: 1 }),
});

export const memberRoutes: FastifyPluginAsyncTypebox<MemberRoutesDeps> = async (
  app,
  { projects, members, users, events },
) => {
  /** The project, when the caller may do `action` on its members (404 when they may not even see it). */
  async function projectFor(
    request: FastifyRequest,
    nameOrId: string,
    action: 'list' | 'read' | 'create' | 'update' | 'delete',
  ) {
    return authorizedProject(projects, request, nameOrId, 'member', action);
  }

  app.get(
    '/projects/:project_name_or_id/members',
    {
      schema: {
        tags: ['member'],
        summary: 'List the members of a project',
        params: NameOrId,
        headers: IsResourceName,
        querystring: Type.Object({ entityname: Type.Optional(Type.String()) }),
        response: { 200: Type.Array(ref(ProjectMemberEntity)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'list');
      const list = await members.list(project.id, request.query.entityname);
      reply.header('X-Total-Count', String(list.length));
      return list.map(toEntity);
    },
  );

  app.post(
    '/projects/:project_name_or_id/members',
    {
      schema: {
        tags: ['member'],
        summary: 'Add a user to a project with a role',
        params: NameOrId,
        headers: IsResourceName,
        body: ref(ProjectMember),
        response: { 201: noContent('Created; Location names the membership'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'create');
      const body = request.body;
      if (body.member_group && !body.member_user)
        throw new BerthError('INVALID_INPUT', 'group members arrive with LDAP and OIDC sign-in; add a user');
      const who = body.member_user;
      const user =
        who?.user_id !== undefined
          ? await users.get(who.user_id).catch(() => undefined)
          : who?.username
            ? await users.findByName(who.username)
            : undefined;
      if (!user) throw new BerthError('NOT_FOUND', 'member_user names no known user');
      const member = await members.addUser(project.id, user.id, body.role_id);
      report(events, request, {
        operation: 'create',
        resourceType: 'member',
        resource: user.username,
        projectName: project.name,
        description: `role ${roleNames[body.role_id]}`,
      });
      return empty(reply, 201, `/api/v2.0/projects/${project.id}/members/${member.id}`);
    },
  );

  app.get(
    '/projects/:project_name_or_id/members/:mid',
    {
      schema: {
        tags: ['member'],
        summary: 'Get a membership',
        params: MemberPath,
        headers: IsResourceName,
        response: { 200: ref(ProjectMemberEntity), ...errorResponses },
      },
    },
    async (request) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'read');
      return toEntity(await members.get(project.id, request.params.mid));
    },
  );

  app.put(
    '/projects/:project_name_or_id/members/:mid',
    {
      schema: {
        tags: ['member'],
        summary: 'Change a member’s role',
        params: MemberPath,
        headers: IsResourceName,
        body: ref(RoleRequest),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'update');
      const role = request.body.role_id;
      await members.setRole(project.id, request.params.mid, role);
      report(events, request, {
        operation: 'update',
        resourceType: 'member',
        resource: String(request.params.mid),
        projectName: project.name,
        description: `role ${roleNames[role]}`,
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/projects/:project_name_or_id/members/:mid',
    {
      schema: {
        tags: ['member'],
        summary: 'Remove a member',
        params: MemberPath,
        headers: IsResourceName,
        response: { 200: noContent('Removed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'delete');
      await members.remove(project.id, request.params.mid);
      report(events, request, {
        operation: 'delete',
        resourceType: 'member',
        resource: String(request.params.mid),
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );
};
