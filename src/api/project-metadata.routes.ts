import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import { type Project, type ProjectService, validateMetadata } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report } from './context.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { errorResponses } from './schemas/index.js';

export interface ProjectMetadataRoutesDeps {
  readonly projects: ProjectService;
  readonly events: EventSink;
}

/** Harbor's `/projects/{project_name_or_id}/metadatas`: a project's metadata, all or one key. */
export const projectMetadataRoutes: FastifyPluginAsyncTypebox<ProjectMetadataRoutesDeps> = async (
  app,
  { projects, events },
) => {
  const MetaParams = Type.Object({
    ...NameOrId.properties,
    meta_name: Type.String({ minLength: 1, maxLength: 64 }),
  });
  const StringMap = Type.Record(Type.String(), Type.String());

  const metadataProject = (request: FastifyRequest, nameOrId: string, action: 'read' | 'update') =>
    authorizedProject(projects, request, nameOrId, 'metadata', action);

  const metadataChanged = (request: FastifyRequest, project: Project) =>
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
      return project.metadata;
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
      const value = (project.metadata as Record<string, string | undefined>)[name];
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
