import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action, Resource } from '../auth/index.js';
import type { Artifact, ArtifactField, ArtifactService } from '../domain/artifact/index.js';
import type { EventSink } from '../domain/events.js';
import type { ImmutableRules } from '../domain/immutable/index.js';
import { hasAllLabels, type LabelService } from '../domain/label/index.js';
import { type Project, type ProjectService, projectNameOf } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import type { ScannerInfo, ScannerRegistrations, ScanService } from '../scan/index.js';
import { empty, noContent, report } from './context.js';
import { accessoryResponse, artifactResponse } from './presenters/artifact.js';
import { labelResponse } from './presenters/label.js';
import { scanOverview, vulnerabilityReportType } from './presenters/scan.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { ArtifactParams, RepositoryParams, repositoryName } from './repository-path.js';
import { Accessory, Artifact as ArtifactSchema, errorResponses, ref } from './schemas/index.js';

export interface ArtifactRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly labels: LabelService;
  readonly scans: ScanService;
  readonly scanners: ScannerRegistrations;
  readonly events: EventSink;
  readonly version: string;
  readonly immutable: ImmutableRules;
}

/** Harbor's keys for artifacts (column names and Go field names) and the special ones. */
const artifactKeys: Readonly<Record<string, ArtifactField>> = {
  id: 'id',
  ID: 'id',
  digest: 'digest',
  Digest: 'digest',
  type: 'type',
  Type: 'type',
  media_type: 'mediaType',
  MediaType: 'mediaType',
  manifest_media_type: 'manifestMediaType',
  ManifestMediaType: 'manifestMediaType',
  artifact_type: 'artifactType',
  ArtifactType: 'artifactType',
  project_id: 'projectId',
  ProjectID: 'projectId',
  repository_id: 'repositoryId',
  RepositoryID: 'repositoryId',
  repository_name: 'repositoryName',
  RepositoryName: 'repositoryName',
  push_time: 'pushTime',
  PushTime: 'pushTime',
  pull_time: 'pullTime',
  PullTime: 'pullTime',
  tags: 'tags',
  Tags: 'tags',
  labels: 'labels',
  Labels: 'labels',
};

const flag = (description: string, fallback: boolean) => Type.Boolean({ default: fallback, description });
const ArtifactOptions = {
  with_tag: flag('include the tags', true),
  with_label: flag('include the labels', false),
  with_scan_overview: flag('include the vulnerability scan overview', false),
  with_sbom_overview: flag('accepted: SBOMs show as accessories (sbom.harbor)', false),
  with_signature: flag('deprecated by Harbor; signatures show as accessories', false),
  with_immutable_status: flag("each tag's immutable shows whether a rule of the project protects it", false),
  with_accessory: flag('include the accessories (signatures, SBOMs)', false),
};

const listDescription =
  'Top-level artifacts: children of an index and accessories are shown with their parent. q keys: ' +
  'tags (* tagged, nil untagged, a name, ~part), labels=(id1 id2) (all of), digest, type, media_type, ' +
  'manifest_media_type, artifact_type, push_time, pull_time, id; newest first unless sorted otherwise';

export const artifactRoutes: FastifyPluginAsyncTypebox<ArtifactRoutesDeps> = async (
  app,
  { projects, artifacts, labels, scans, scanners, events, version, immutable },
) => {
  const builtIn: ScannerInfo = { name: 'Berth', vendor: 'Berth', version };
  const authorized = (request: FastifyRequest, projectName: string, resource: Resource, action: Action) =>
    authorizedProject(projects, request, projectName, resource, action, true);

  /** Harbor's Artifact of each, with what the options ask for (one query per kind for a whole page). */
  async function responses(
    project: Project,
    views: readonly Artifact[],
    options: {
      with_tag: boolean;
      with_label: boolean;
      with_scan_overview: boolean;
      with_accessory: boolean;
      with_immutable_status: boolean;
    },
  ) {
    const matchers = new Map<string, (name: string) => boolean>();
    if (options.with_tag && options.with_immutable_status)
      for (const name of new Set(views.map((v) => v.repositoryName))) {
        const matcher = await immutable.matcher(name);
        matchers.set(name, (tag) => matcher(tag) !== undefined);
      }
    const registration = options.with_scan_overview ? await scanners.forProject(project.id) : undefined;
    const reports = registration
      ? await scans.reports(
          views.map((v) => v.digest),
          registration.uuid,
        )
      : undefined;
    const labelled = options.with_label ? await labels.labelsOf(views.map((v) => v.id)) : undefined;
    return Promise.all(
      views.map(async (view) => {
        const report = reports?.get(view.digest);
        return artifactResponse(view, {
          projectName: project.name,
          withTags: options.with_tag,
          immutable: matchers.get(view.repositoryName),
          extraAttrs: view.type === 'IMAGE' ? await artifacts.extraAttrs(view) : undefined,
          accessories: options.with_accessory ? await artifacts.accessories(view) : undefined,
          scanOverview:
            report && registration
              ? { [vulnerabilityReportType]: scanOverview(report, registration, builtIn) }
              : undefined,
          labels: labelled ? (labelled.get(view.id) ?? []).map(labelResponse) : undefined,
        });
      }),
    );
  }

  const listQuery = Type.Object({ ...PageQuery, ...ArtifactOptions });

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the artifacts of a repository',
        description: listDescription,
        params: RepositoryParams,
        querystring: listQuery,
        response: { 200: Type.Array(ref(ArtifactSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'artifact', 'list');
      const query = request.query;
      const { total, items } = await artifacts.listArtifacts(repositoryName(request.params), {
        page: query.page,
        pageSize: query.page_size,
        filters: filtersOf(query.q, artifactKeys),
        sorts: sortsOf(query.sort, artifactKeys),
        labels: hasAllLabels,
      });
      pageHeaders(request, reply, query, total);
      return responses(project, items, query);
    },
  );

  app.get(
    '/projects/:project_name_or_id/artifacts',
    {
      schema: {
        tags: ['project'],
        summary: 'List the artifacts of every repository of a project',
        description: `${listDescription}. latest_in_repository: only each repository's newest (needs media_type or artifact_type in q)`,
        params: NameOrId,
        headers: IsResourceName,
        querystring: Type.Object({
          ...PageQuery,
          ...ArtifactOptions,
          latest_in_repository: flag('only the newest artifact of each repository', false),
        }),
        response: { 200: Type.Array(ref(ArtifactSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'artifact',
        'list',
      );
      const query = request.query;
      const filters = filtersOf(query.q, artifactKeys);
      if (query.latest_in_repository && !filters.mediaType === !filters.artifactType)
        throw new BerthError(
          'INVALID_INPUT',
          'latest_in_repository needs exactly one of media_type and artifact_type in q',
        );
      const { total, items } = await artifacts.listProjectArtifacts(project.id, {
        page: query.page,
        pageSize: query.page_size,
        filters,
        sorts: sortsOf(query.sort, artifactKeys),
        labels: hasAllLabels,
        latestInRepository: query.latest_in_repository,
      });
      pageHeaders(request, reply, query, total);
      return responses(project, items, query);
    },
  );

  app.post(
    '/projects/:project_name/repositories/:repository_name/artifacts',
    {
      schema: {
        tags: ['artifact'],
        summary: 'Copy an artifact from another repository (with its children, accessories and tags)',
        params: RepositoryParams,
        querystring: Type.Object({
          from: Type.String({
            minLength: 1,
            maxLength: 512,
            description: 'project/repository:tag or project/repository@digest',
          }),
        }),
        response: { 201: noContent('Copied; Location names the copy'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const target = await authorized(request, request.params.project_name, 'artifact', 'create');
      const destination = repositoryName(request.params);
      const from = request.query.from;
      await authorized(request, projectNameOf(from), 'artifact', 'read');
      const { source, digests, reference } = await artifacts.copy(from, destination);
      for (const digest of digests) {
        report(events, request, {
          operation: 'push',
          resourceType: 'artifact',
          resource: `${destination}@${digest}`,
          projectName: target.name,
          repository: destination,
          digest,
          description: `copied from ${source}`,
        });
      }
      const path = new URL(request.url, 'http://x').pathname;
      return empty(reply, 201, `${path}/${reference}`);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference',
    {
      schema: {
        tags: ['artifact'],
        summary: 'Get an artifact by tag or digest',
        params: ArtifactParams,
        querystring: Type.Object(ArtifactOptions),
        response: { 200: ref(ArtifactSchema), ...errorResponses },
      },
    },
    async (request) => {
      const project = await authorized(request, request.params.project_name, 'artifact', 'read');
      const view = await artifacts.getArtifact(repositoryName(request.params), request.params.reference);
      const [response] = await responses(project, [view], request.query);
      return response as NonNullable<typeof response>;
    },
  );

  app.delete(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference',
    {
      schema: {
        tags: ['artifact'],
        summary: 'Delete an artifact with its tags, accessories and unshared children',
        params: ArtifactParams,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'artifact', 'delete');
      const name = repositoryName(request.params);
      const deleted = await artifacts.deleteArtifact(name, request.params.reference);
      for (const digest of deleted) {
        report(events, request, {
          operation: 'delete',
          resourceType: 'artifact',
          resource: `${name}@${digest}`,
          projectName: project.name,
        });
      }
      return empty(reply, 200);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/accessories',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the accessories (signatures, SBOMs, other referrers) of an artifact',
        description: 'q keys: type (signature.cosign, signature.notation, sbom.harbor, subject.accessory)',
        params: ArtifactParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(Accessory)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'artifact', 'read');
      const view = await artifacts.getArtifact(repositoryName(request.params), request.params.reference);
      const all = await artifacts.accessories(view);
      const query = request.query;
      const type = filtersOf(query.q, { type: 'type', Type: 'type' } as const).type;
      if (type && type.kind !== 'exact') throw new BerthError('INVALID_INPUT', 'type takes an exact value');
      const matching = type ? all.filter((a) => a.type === type.value) : all;
      pageHeaders(request, reply, query, matching.length);
      return matching
        .slice((query.page - 1) * query.page_size, query.page * query.page_size)
        .map(accessoryResponse);
    },
  );
};
