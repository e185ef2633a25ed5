import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ArtifactService } from '../domain/artifact/index.js';
import type { EventSink } from '../domain/events.js';
import type { LabelService } from '../domain/label/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { empty, noContent, report } from './context.js';
import { authorizedProject } from './project-access.js';
import { ArtifactParams, repositoryName } from './repository-path.js';
import { errorResponses, LabelReq, ref } from './schemas/index.js';

export interface ArtifactLabelRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly labels: LabelService;
  readonly events: EventSink;
}

const path = '/projects/:project_name/repositories/:repository_name/artifacts/:reference/labels';

/** Harbor's labels of an artifact: a global label or one of the artifact's project, added or removed. */
export const artifactLabelRoutes: FastifyPluginAsyncTypebox<ArtifactLabelRoutesDeps> = async (
  app,
  { projects, artifacts, labels, events },
) => {
  /** The artifact a request names, once the caller may change its labels, and how to report the change. */
  const labelling = async (
    request: FastifyRequest,
    params: Static<typeof ArtifactParams>,
    action: 'create' | 'delete',
  ) => {
    const project = await authorizedProject(
      projects,
      request,
      params.project_name,
      'artifact-label',
      action,
      true,
    );
    const name = repositoryName(params);
    const artifact = await artifacts.getArtifact(name, params.reference);
    const changed = (description: string) =>
      report(events, request, {
        operation: 'update',
        resourceType: 'artifact',
        resource: `${name}@${artifact.digest}`,
        projectName: project.name,
        repository: name,
        digest: artifact.digest,
        description,
      });
    return { artifact, changed };
  };

  app.post(
    path,
    {
      schema: {
        tags: ['artifact'],
        summary: 'Add a label to an artifact (only the label’s id is read)',
        params: ArtifactParams,
        body: ref(LabelReq),
        response: { 200: noContent('Added'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { artifact, changed } = await labelling(request, request.params, 'create');
      // Harbor reads a label without an id as label 0, which does not exist.
      const label = await labels.attach(artifact.id, request.body.id ?? 0);
      changed(`label ${label.name} (${label.id}) added`);
      return empty(reply, 200);
    },
  );

  app.delete(
    `${path}/:label_id`,
    {
      schema: {
        tags: ['artifact'],
        summary: 'Remove a label from an artifact',
        params: Type.Object({ ...ArtifactParams.properties, label_id: Type.Integer() }),
        response: { 200: noContent('Removed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { params } = request;
      const { artifact, changed } = await labelling(request, params, 'delete');
      await labels.detach(artifact.id, params.label_id);
      changed(`label ${params.label_id} removed`);
      return empty(reply, 200);
    },
  );
};
