import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import type { MemberService } from '../domain/member/index.js';
import { type ProjectService, roleNames } from '../domain/project/index.js';
import { empty, noContent, report } from './context.js';
import { memberResponse } from './presenters/member.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { PageQuery, pageHeaders } from './query.js';
import { errorResponses, ProjectMember, ProjectMemberEntity, RoleRequest, ref } from './schemas/index.js';

export interface MemberRoutesDeps {
  readonly projects: ProjectService;
  readonly members: MemberService;
  readonly events: EventSink;
}

const MemberPath = Type.Object({
  project_name_or_id: Type.String({ minLength: 1, maxLength: 255 }),
  mid: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
});

export const memberRoutes: FastifyPluginAsyncTypebox<MemberRoutesDeps> = async (
  app,
  { projects, members, events },
) => {
  /** The project, when the caller may do `action` on its members (404 when they may not even see it). */
  const projectFor = (
    request: FastifyRequest,
    nameOrId: string,
    action: 'list' | 'read' | 'create' | 'update' | 'delete',
  ) => authorizedProject(projects, request, nameOrId, 'member', action);

  app.get(
    '/projects/:project_name_or_id/members',
    {
      schema: {
        tags: ['member'],
        summary: 'List the members of a project, by name',
        params: NameOrId,
        headers: IsResourceName,
        querystring: Type.Object({
          page: PageQuery.page,
          page_size: PageQuery.page_size,
          entityname: Type.Optional(
            Type.String({ maxLength: 255, description: 'the member of exactly this name' }),
          ),
        }),
        response: { 200: Type.Array(ref(ProjectMemberEntity)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'list');
      const query = request.query;
      const { total, items } = await members.list(project.id, {
        page: query.page,
        pageSize: query.page_size,
        entityName: query.entityname || undefined,
      });
      pageHeaders(request, reply, query, total);
      return items.map(memberResponse);
    },
  );

  app.post(
    '/projects/:project_name_or_id/members',
    {
      schema: {
        tags: ['member'],
        summary: 'Add a user (by user_id or username) to a project with a role',
        params: NameOrId,
        headers: IsResourceName,
        body: ref(ProjectMember),
        response: { 201: noContent('Created; Location names the membership'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'create');
      const body = request.body;
      const member = await members.add(project.id, {
        role: body.role_id,
        user: body.member_user && { id: body.member_user.user_id, username: body.member_user.username },
        group: body.member_group && {
          id: body.member_group.id,
          groupName: body.member_group.group_name,
          ldapGroupDn: body.member_group.ldap_group_dn,
        },
      });
      report(events, request, {
        operation: 'create',
        resourceType: 'member',
        resource: member.entityName,
        projectName: project.name,
        description: `role ${roleNames[member.role]}`,
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
      return memberResponse(await members.get(project.id, request.params.mid));
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
      const member = await members.setRole(project.id, request.params.mid, request.body.role_id);
      report(events, request, {
        operation: 'update',
        resourceType: 'member',
        resource: member.entityName,
        projectName: project.name,
        description: `role ${roleNames[member.role]}`,
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
      const member = await members.remove(project.id, request.params.mid);
      report(events, request, {
        operation: 'delete',
        resourceType: 'member',
        resource: member.entityName,
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );
};
