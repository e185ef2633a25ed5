import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Project as ProjectRow } from '../db/index.js';
import type { EventSink } from '../domain/events.js';
import {
  metadataOf,
  type ProjectMetadata,
  ProjectRole,
  type ProjectService,
  validateMetadata,
} from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import type { AllowlistService, CveAllowlist } from '../scan/index.js';
import { empty, iso, noContent, report, requireAuthenticated, requireUser } from './context.js';
import { PageQuery, pageHeaders, parseQ, parseSort } from './pagination.js';
import { authorizedProject, IsResourceName, NameOrId, visibleProject } from './project-access.js';
import { errorResponses, Project, ProjectReq, ProjectSummary, ref } from './schemas/index.js';

export interface ProjectRoutesDeps {
  readonly projects: ProjectService;
  readonly allowlists: AllowlistService;
  readonly events: EventSink;
}

/** Harbor's CVEAllowlist of a project (or of the system, project 0). */
export function allowlistResponse(list: CveAllowlist) {
  return {
    id: list.projectId,
    project_id: list.projectId,
    expires_at: list.expiresAt ?? null,
    items: list.items.map((cve_id) => ({ cve_id })),
    ...(list.createdAt === undefined ? {} : { creation_time: iso(list.createdAt) }),
    ...(list.updatedAt === undefined ? {} : { update_time: iso(list.updatedAt) }),
  };
}

/** Harbor's Project as the caller sees it (their role, whether they may change it). */
export async function toProjectResponse(
  projects: ProjectService,
  allowlists: AllowlistService,
  request: FastifyRequest,
  row: ProjectRow,
) {
  const [view, allowlist] = await Promise.all([projects.view(row), allowlists.get(row.id)]);
  const roles = await request.security.projectRoles(row);
  return {
    project_id: row.id,
    owner_id: row.owner_id,
    name: row.name,
    creation_time: iso(row.created_at),
    update_time: iso(row.updated_at),
    deleted: false,
    owner_name: view.ownerName,
    togglable: request.security.isSysAdmin || roles.includes(ProjectRole.projectAdmin),
    current_user_role_id: roles.length > 0 ? Math.min(...roles) : 0,
    current_user_role_ids: roles,
    repo_count: view.repoCount,
    metadata: view.meta,
    cve_allowlist: allowlistResponse(allowlist),
  };
}

type ProjectBody = {
  project_name?: string;
  public?: boolean | null;
  metadata?: Record<string, string>;
  cve_allowlist?: { items: { cve_id: string }[]; expires_at?: number | null };
};

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesDeps> = async (
  app,
  { projects, allowlists, events },
) => {
  const visible = (request: FastifyRequest, nameOrId: string) => visibleProject(projects, request, nameOrId);

  const toProject = (request: FastifyRequest, row: ProjectRow) =>
    toProjectResponse(projects, allowlists, request, row);

  const saveAllowlist = (projectId: number, list: NonNullable<ProjectBody['cve_allowlist']>) =>
    allowlists.set(
      projectId,
      list.items.map((i) => i.cve_id),
      list.expires_at ?? undefined,
    );

  function requestedMetadata(body: ProjectBody): ProjectMetadata {
    const metadata = validateMetadata(body.metadata ?? {});
    if (body.public !== undefined && body.public !== null && metadata.public === undefined)
      metadata.public = String(body.public);
    return metadata;
  }

  app.post(
    '/projects',
    {
      schema: {
        tags: ['project'],
        summary: 'Create a project',
        body: ref(ProjectReq),
        response: { 201: noContent('Created; Location names the project'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const owner = requireUser(request);
      const body = request.body;
      if (!body.project_name) throw new BerthError('INVALID_INPUT', 'project_name is required');
      const project = await projects.create(body.project_name, owner, requestedMetadata(body));
      if (body.cve_allowlist) await saveAllowlist(project.id, body.cve_allowlist);
      report(events, request, {
        operation: 'create',
        resourceType: 'project',
        resource: project.name,
        projectName: project.name,
      });
      return empty(reply, 201, `/api/v2.0/projects/${project.id}`);
    },
  );

  app.head(
    '/projects',
    {
      schema: {
        tags: ['project'],
        summary: 'Check whether a project name is taken',
        querystring: Type.Object({ project_name: Type.String({ minLength: 1 }) }),
        response: {
          200: noContent('The project exists'),
          401: errorResponses[401],
          404: noContent('No such project'),
        },
      },
    },
    async (request, reply) => {
      // Whether a name is taken is for people about to create a project: signed-in users only.
      requireAuthenticated(request);
      const exists = await projects.find(request.query.project_name);
      return empty(reply, exists ? 200 : 404);
    },
  );

  app.get(
    '/projects',
    {
      schema: {
        tags: ['project'],
        summary: 'List the projects the caller can see',
        querystring: Type.Object({
          ...PageQuery,
          name: Type.Optional(Type.String()),
          public: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Array(ref(Project)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const filters = parseQ(query.q, ['name', 'public']);
      const sort = parseSort(query.sort, {
        name: 'name',
        creation_time: 'created_at',
        update_time: 'updated_at',
        project_id: 'id',
      } as const);
      const publicFilter = filters.public ? filters.public.value === 'true' : query.public;
      const { total, items } = await projects.list({
        page: query.page,
        pageSize: query.page_size,
        name: query.name,
        nameMatch: filters.name,
        public: publicFilter,
        visibleTo: request.security.isSysAdmin
          ? undefined
          : {
              userId: request.security.principal?.kind === 'user' ? request.security.principal.id : undefined,
            },
        sort,
      });
      pageHeaders(request, reply, query, total);
      return Promise.all(items.map((row) => toProject(request, row)));
    },
  );

  app.get(
    '/projects/:project_name_or_id',
    {
      schema: {
        tags: ['project'],
        summary: 'Get a project by name or id',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: ref(Project), ...errorResponses },
      },
    },
    async (request) => toProject(request, await visible(request, request.params.project_name_or_id)),
  );

  app.put(
    '/projects/:project_name_or_id',
    {
      schema: {
        tags: ['project'],
        summary: 'Update a project’s metadata',
        params: NameOrId,
        headers: IsResourceName,
        body: ref(ProjectReq),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'project',
        'update',
      );
      const body = request.body;
      await projects.updateMetadata(project, requestedMetadata(body));
      if (body.cve_allowlist) await saveAllowlist(project.id, body.cve_allowlist);
      report(events, request, {
        operation: 'update',
        resourceType: 'project',
        resource: project.name,
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/projects/:project_name_or_id',
    {
      schema: {
        tags: ['project'],
        summary: 'Delete an empty project',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'project',
        'delete',
      );
      await projects.delete(project);
      report(events, request, { operation: 'delete', resourceType: 'project', resource: project.name });
      return empty(reply, 200);
    },
  );

  app.get(
    '/projects/:project_name_or_id/summary',
    {
      schema: {
        tags: ['project'],
        summary: 'Counts of repositories and members by role',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: ref(ProjectSummary), ...errorResponses },
      },
    },
    async (request) => {
      const project = await visible(request, request.params.project_name_or_id);
      const [repoCount, members] = await Promise.all([
        projects.repositoryCount(project.id),
        projects.memberCounts(project.id),
      ]);
      const showMembers = await request.security.can(project, 'member', 'list');
      const count = (role: number) => (showMembers ? (members[role] ?? 0) : 0);
      return {
        repo_count: repoCount,
        project_admin_count: count(ProjectRole.projectAdmin),
        maintainer_count: count(ProjectRole.maintainer),
        developer_count: count(ProjectRole.developer),
        guest_count: count(ProjectRole.guest),
        limited_guest_count: count(ProjectRole.limitedGuest),
      };
    },
  );
  const MetaParams = Type.Object({
    ...NameOrId.properties,
    meta_name: Type.String({ minLength: 1, maxLength: 64 }),
  });
  const StringMap = Type.Record(Type.String(), Type.String());

  const metadataProject = (request: FastifyRequest, nameOrId: string, action: 'read' | 'update') =>
    authorizedProject(projects, request, nameOrId, 'metadata', action);

  const metadataChanged = (request: FastifyRequest, project: ProjectRow) =>
    report(events, request, {
      operation: 'update',
      resourceType: 'project',
      resource: project.name,
      projectName: project.name,
      description: 'metadata',
    });

  app.get(
    '/projects/:project_name_or_id/metadatas/',
    {
      schema: {
        tags: ['projectMetadata'],
        summary: 'All metadata of a project',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: StringMap, ...errorResponses },
      },
    },
    async (request) => {
      const project = await metadataProject(request, request.params.project_name_or_id, 'read');
      return metadataOf(project);
    },
  );

  app.post(
    '/projects/:project_name_or_id/metadatas/',
    {
      schema: {
        tags: ['projectMetadata'],
        summary: 'Add or change metadata of a project',
        params: NameOrId,
        headers: IsResourceName,
        body: StringMap,
        response: { 200: noContent('Stored'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await metadataProject(request, request.params.project_name_or_id, 'update');
      await projects.updateMetadata(project, validateMetadata(request.body));
      metadataChanged(request, project);
      return empty(reply, 200);
    },
  );

  app.get(
    '/projects/:project_name_or_id/metadatas/:meta_name',
    {
      schema: {
        tags: ['projectMetadata'],
        summary: 'One metadata value of a project',
        params: MetaParams,
        headers: IsResourceName,
        response: { 200: StringMap, ...errorResponses },
      },
    },
    async (request) => {
      const project = await metadataProject(request, request.params.project_name_or_id, 'read');
      const name = request.params.meta_name;
      const value = (metadataOf(project) as Record<string, string | undefined>)[name];
      if (value === undefined)
        throw new BerthError('NOT_FOUND', `project ${project.name} has no metadata ${name}`);
      return { [name]: value };
    },
  );

  app.put(
    '/projects/:project_name_or_id/metadatas/:meta_name',
    {
      schema: {
        tags: ['projectMetadata'],
        summary: 'Change one metadata value of a project',
        params: MetaParams,
        headers: IsResourceName,
        body: StringMap,
        response: { 200: noContent('Stored'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await metadataProject(request, request.params.project_name_or_id, 'update');
      const name = request.params.meta_name;
      const keys = Object.keys(request.body);
      if (keys.length !== 1 || keys[0] !== name)
        throw new BerthError('INVALID_INPUT', `the body must hold exactly the key ${name}`);
      await projects.updateMetadata(project, validateMetadata(request.body));
      metadataChanged(request, project);
      return empty(reply, 200);
    },
  );

  app.delete(
    '/projects/:project_name_or_id/metadatas/:meta_name',
    {
      schema: {
        tags: ['projectMetadata'],
        summary: 'Remove one metadata value of a project',
        params: MetaParams,
        headers: IsResourceName,
        response: { 200: noContent('Removed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await metadataProject(request, request.params.project_name_or_id, 'update');
      await projects.deleteMetadata(project, request.params.meta_name);
      metadataChanged(request, project);
      return empty(reply, 200);
    },
  );
};
