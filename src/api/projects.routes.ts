import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import {
  type ProjectField,
  type ProjectMetadata,
  type Project as ProjectModel,
  type ProjectService,
  validateMetadata,
} from '../domain/project/index.js';
import type { QuotaService } from '../domain/quota/index.js';
import { BerthError } from '../lib/errors.js';
import type { AllowlistService } from '../scan/index.js';
import { empty, noContent, report, requireAuthenticated, requireUser } from './context.js';
import { projectResponse, projectSummary } from './presenters/project.js';
import {
  authorizedProject,
  IsResourceName,
  NameOrId,
  visibilityOf,
  visibleProject,
} from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import {
  errorResponses,
  Project,
  ProjectDeletable,
  ProjectReq,
  ProjectSummary,
  ref,
} from './schemas/index.js';

export interface ProjectRoutesDeps {
  readonly projects: ProjectService;
  readonly allowlists: AllowlistService;
  readonly quotas: QuotaService;
  readonly events: EventSink;
  /** The storage limit of a new project unless a system administrator gives one (-1: none). */
  readonly storagePerProject: number;
}

/** Harbor's keys for projects (column names and Go field names) and the fields they filter or sort. */
const projectKeys: Readonly<Record<string, ProjectField>> = {
  project_id: 'id',
  ProjectID: 'id',
  name: 'name',
  Name: 'name',
  owner_id: 'ownerId',
  OwnerID: 'ownerId',
  creation_time: 'createdAt',
  CreationTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
  public: 'public',
  owner: 'owner',
};

type ProjectBody = Static<typeof ProjectReq>;

/** The metadata a create or update asks for: `metadata`, with the deprecated `public` flag folded in. */
function requestedMetadata(body: ProjectBody): ProjectMetadata {
  const metadata = validateMetadata(body.metadata ?? {});
  if (body.public !== undefined && body.public !== null && metadata.public === undefined)
    metadata.public = String(body.public);
  return metadata;
}

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesDeps> = async (
  app,
  { projects, allowlists, quotas, events, storagePerProject },
) => {
  /** Harbor's Project of each, as the caller sees it, with one query per kind of detail for all. */
  async function responses(request: FastifyRequest, list: readonly ProjectModel[]) {
    const details = await projects.details(list);
    return Promise.all(
      details.map(async (project) => {
        const [allowlist, roles] = await Promise.all([
          allowlists.get(project.id),
          request.security.projectRoles(project),
        ]);
        return projectResponse(project, allowlist, { roles, sysadmin: request.security.isSysAdmin });
      }),
    );
  }

  const saveAllowlist = (projectId: number, list: NonNullable<ProjectBody['cve_allowlist']>) =>
    allowlists.set(
      projectId,
      list.items.map((i) => i.cve_id),
      list.expires_at ?? undefined,
    );

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
      // As Harbor: only a system administrator chooses the limit (0 or none: the default).
      const limit =
        request.security.isSysAdmin &&
        body.storage_limit !== undefined &&
        body.storage_limit !== null &&
        body.storage_limit !== 0
          ? body.storage_limit
          : storagePerProject;
      const project = await projects.create(body.project_name, owner, requestedMetadata(body), limit);
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
        description:
          'q keys: project_id, name, owner_id, owner (user name), public, creation_time, update_time; sorted by name unless sort says otherwise',
        querystring: Type.Object({
          ...PageQuery,
          name: Type.Optional(Type.String({ description: 'projects whose name contains this' })),
          owner: Type.Optional(Type.String({ description: 'the owner’s user name' })),
          public: Type.Optional(Type.Boolean()),
          with_detail: Type.Optional(Type.Boolean({ default: true })),
        }),
        response: { 200: Type.Array(ref(Project)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const filters = {
        ...filtersOf(query.q, projectKeys),
        ...(query.name !== undefined ? { name: { kind: 'fuzzy' as const, value: query.name } } : {}),
        ...(query.owner !== undefined ? { owner: { kind: 'exact' as const, value: query.owner } } : {}),
        ...(query.public !== undefined
          ? { public: { kind: 'exact' as const, value: String(query.public) } }
          : {}),
      };
      const { total, items } = await projects.list({
        page: query.page,
        pageSize: query.page_size,
        filters,
        visibility: visibilityOf(request),
        sorts: sortsOf(query.sort, projectKeys),
      });
      pageHeaders(request, reply, query, total);
      return responses(request, items);
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
    async (request) => {
      const project = await visibleProject(projects, request, request.params.project_name_or_id);
      return (await responses(request, [project]))[0] as Awaited<ReturnType<typeof responses>>[number];
    },
  );

  app.put(
    '/projects/:project_name_or_id',
    {
      schema: {
        tags: ['project'],
        summary: 'Update a project’s metadata and CVE allowlist',
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
      if (body.storage_limit !== undefined && body.storage_limit !== null) {
        if (!request.security.isSysAdmin)
          throw new BerthError(
            'FORBIDDEN',
            'only system administrators may change a project’s storage limit',
          );
        const quota = await quotas.ofProject(project.id);
        await quotas.update(quota.id, body.storage_limit);
      }
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
    '/projects/:project_name_or_id/_deletable',
    {
      schema: {
        tags: ['project'],
        summary: 'Whether the project can be deleted now, and why not',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: ref(ProjectDeletable), ...errorResponses },
      },
    },
    async (request) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'project',
        'delete',
      );
      return projects.deletable(project);
    },
  );

  app.get(
    '/projects/:project_name_or_id/summary',
    {
      schema: {
        tags: ['project'],
        summary: 'Counts of repositories and of members by role, and the storage quota (members)',
        params: NameOrId,
        headers: IsResourceName,
        response: { 200: ref(ProjectSummary), ...errorResponses },
      },
    },
    async (request) => {
      const project = await visibleProject(projects, request, request.params.project_name_or_id);
      const showMembers = await request.security.can(project, 'member', 'list');
      const showQuota = await request.security.can(project, 'quota', 'read');
      const [repoCount, members, quota] = await Promise.all([
        projects.repositoryCount(project.id),
        showMembers ? projects.memberCounts(project.id) : undefined,
        showQuota ? quotas.ofProject(project.id) : undefined,
      ]);
      return projectSummary(repoCount, members, quota);
    },
  );
};
