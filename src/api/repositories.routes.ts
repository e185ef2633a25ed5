import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action, Resource } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { Filters, Term } from '../domain/query.js';
import type { RepositoryField, RepositoryService } from '../domain/repository/index.js';
import { empty, noContent, report } from './context.js';
import { repositoryResponse } from './presenters/repository.js';
import { authorizedProject, visibilityOf } from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { RepositoryParams, repositoryName } from './repository-path.js';
import { errorResponses, Repository, RepositoryUpdate, ref } from './schemas/index.js';

export interface RepositoryRoutesDeps {
  readonly projects: ProjectService;
  readonly repositories: RepositoryService;
  readonly events: EventSink;
}

/** Harbor's keys for repositories (column names and Go field names). */
const repositoryKeys: Readonly<Record<string, RepositoryField>> = {
  repository_id: 'id',
  RepositoryID: 'id',
  name: 'name',
  Name: 'name',
  project_id: 'projectId',
  ProjectID: 'projectId',
  description: 'description',
  Description: 'description',
  pull_count: 'pullCount',
  PullCount: 'pullCount',
  creation_time: 'createdAt',
  CreationTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
  blob_digest: 'blobDigest',
  BlobDigest: 'blobDigest',
};

const listDescription =
  'q keys: name (the full project/repository name; in a project an exact name may leave the project out), repository_id, project_id, description, pull_count, creation_time, update_time, blob_digest; newest first unless sorted otherwise';

export const repositoryRoutes: FastifyPluginAsyncTypebox<RepositoryRoutesDeps> = async (
  app,
  { projects, repositories, events },
) => {
  const authorized = (request: FastifyRequest, projectName: string, resource: Resource, action: Action) =>
    authorizedProject(projects, request, projectName, resource, action, true);

  app.get(
    '/repositories',
    {
      schema: {
        tags: ['repository'],
        summary: 'List the repositories of every project the caller can see',
        description: listDescription,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(Repository)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const { total, items } = await repositories.visible(visibilityOf(request), {
        page: query.page,
        pageSize: query.page_size,
        filters: filtersOf(query.q, repositoryKeys),
        sorts: sortsOf(query.sort, repositoryKeys),
      });
      pageHeaders(request, reply, query, total);
      return items.map(repositoryResponse);
    },
  );

  app.get(
    '/projects/:project_name/repositories',
    {
      schema: {
        tags: ['repository'],
        summary: 'List the repositories of a project',
        description: listDescription,
        params: Type.Object({ project_name: Type.String({ minLength: 1, maxLength: 255 }) }),
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(Repository)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'repository', 'list');
      const query = request.query;
      const filters: Filters<RepositoryField> = filtersOf(query.q, repositoryKeys);
      // As Harbor: an exact name without the project is the project's repository of that name.
      const name: Term | undefined = filters.name;
      const qualified =
        name?.kind === 'exact' && !name.value.startsWith(`${project.name}/`)
          ? { ...filters, name: { kind: 'exact' as const, value: `${project.name}/${name.value}` } }
          : filters;
      const { total, items } = await repositories.inProject(project, {
        page: query.page,
        pageSize: query.page_size,
        filters: qualified,
        sorts: sortsOf(query.sort, repositoryKeys),
      });
      pageHeaders(request, reply, query, total);
      return items.map(repositoryResponse);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name',
    {
      schema: {
        tags: ['repository'],
        summary: 'Get a repository',
        params: RepositoryParams,
        response: { 200: ref(Repository), ...errorResponses },
      },
    },
    async (request) => {
      await authorized(request, request.params.project_name, 'repository', 'read');
      return repositoryResponse(await repositories.get(repositoryName(request.params)));
    },
  );

  app.put(
    '/projects/:project_name/repositories/:repository_name',
    {
      schema: {
        tags: ['repository'],
        summary: 'Update a repository’s description',
        params: RepositoryParams,
        body: ref(RepositoryUpdate),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'repository', 'update');
      const name = repositoryName(request.params);
      await repositories.describe(name, request.body.description);
      report(events, request, {
        operation: 'update',
        resourceType: 'repository',
        resource: name,
        projectName: project.name,
        description: 'description',
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/projects/:project_name/repositories/:repository_name',
    {
      schema: {
        tags: ['repository'],
        summary: 'Delete a repository with all its artifacts and tags',
        params: RepositoryParams,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'repository', 'delete');
      const name = repositoryName(request.params);
      await repositories.delete(name);
      report(events, request, {
        operation: 'delete',
        resourceType: 'repository',
        resource: name,
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );
};
