import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { ArtifactService, TagField } from '../domain/artifact/index.js';
import type { EventSink } from '../domain/events.js';
import type { ImmutableRules } from '../domain/immutable/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { empty, noContent, report } from './context.js';
import { tagResponse } from './presenters/artifact.js';
import { authorizedProject } from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { ArtifactParams, repositoryName } from './repository-path.js';
import { errorResponses, NewTag, ref, Tag } from './schemas/index.js';

export interface ArtifactTagRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly events: EventSink;
  readonly immutable: ImmutableRules;
}

const tagKeys: Readonly<Record<string, TagField>> = {
  name: 'name',
  Name: 'name',
  push_time: 'pushTime',
  PushTime: 'pushTime',
  pull_time: 'pullTime',
  PullTime: 'pullTime',
  repository_id: 'repositoryId',
  RepositoryID: 'repositoryId',
};

/** The tags of an artifact: listed (with immutable status when asked), added and removed. */
export const artifactTagRoutes: FastifyPluginAsyncTypebox<ArtifactTagRoutesDeps> = async (
  app,
  { projects, artifacts, events, immutable },
) => {
  const authorized = (request: FastifyRequest, projectName: string, action: Action) =>
    authorizedProject(projects, request, projectName, 'tag', action, true);

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the tags of an artifact',
        description: 'q keys: name, push_time, pull_time; by name unless sorted otherwise',
        params: ArtifactParams,
        querystring: Type.Object({
          ...PageQuery,
          with_immutable_status: Type.Boolean({
            default: false,
            description: "each tag's immutable shows whether a rule of the project protects it",
          }),
        }),
        response: { 200: Type.Array(ref(Tag)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'list');
      const query = request.query;
      const { total, items } = await artifacts.listTags(
        repositoryName(request.params),
        request.params.reference,
        {
          page: query.page,
          pageSize: query.page_size,
          filters: filtersOf(query.q, tagKeys),
          sorts: sortsOf(query.sort, tagKeys),
        },
      );
      pageHeaders(request, reply, query, total);
      const name = repositoryName(request.params);
      const matcher = query.with_immutable_status ? await immutable.matcher(name) : () => undefined;
      return items.map((tag) => tagResponse(tag, (t) => matcher(t) !== undefined));
    },
  );

  app.post(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags',
    {
      schema: {
        tags: ['artifact'],
        summary: 'Tag an artifact',
        params: ArtifactParams,
        body: ref(NewTag),
        response: { 201: noContent('Created'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'create');
      const name = repositoryName(request.params);
      const tag = request.body.name;
      await artifacts.addTag(name, request.params.reference, tag);
      report(events, request, {
        operation: 'create',
        resourceType: 'tag',
        resource: `${name}:${tag}`,
        projectName: project.name,
      });
      return empty(reply, 201);
    },
  );

  app.delete(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags/:tag_name',
    {
      schema: {
        tags: ['artifact'],
        summary: 'Remove a tag from an artifact',
        params: Type.Object({ ...ArtifactParams.properties, tag_name: Type.String({ minLength: 1 }) }),
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'delete');
      const name = repositoryName(request.params);
      await artifacts.deleteTag(name, request.params.reference, request.params.tag_name);
      report(events, request, {
        operation: 'delete',
        resourceType: 'tag',
        resource: `${name}:${request.params.tag_name}`,
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );
};
