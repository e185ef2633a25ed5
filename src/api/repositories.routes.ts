import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action, Resource } from '../auth/index.js';
import type { Project, ScannerRegistration } from '../db/index.js';
import type {
  AccessoryView,
  ArtifactService,
  ArtifactView,
  RepositoryView,
  TagView,
} from '../domain/artifact/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import {
  builtInScannerId,
  cyclonedxDocument,
  cyclonedxMediaType,
  type ScannerInfo,
  type ScannerRegistrations,
  type ScanReport,
  type ScanScheduler,
  type ScanService,
  spdxDocument,
  spdxMediaType,
} from '../scan/index.js';
import { empty, iso, noContent, report } from './context.js';
import { PageQuery, pageHeaders, parseQ, parseSort } from './pagination.js';
import { authorizedProject } from './project-access.js';
import {
  Accessory,
  Artifact,
  errorResponses,
  HarborVulnerabilityReport,
  NewTag,
  Repository,
  RepositoryUpdate,
  ref,
  Tag,
} from './schemas/index.js';

export interface RepositoryRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly scans: ScanService;
  readonly scanScheduler: ScanScheduler;
  readonly scanners: ScannerRegistrations;
  readonly events: EventSink;
  readonly version: string;
}

/** Harbor's media type of vulnerability reports, the key of scan overviews and of the addition. */
export const vulnerabilityReportType = 'application/vnd.security.vulnerability.report; version=1.1';

const RepositoryParams = Type.Object({
  project_name: Type.String({ minLength: 1, maxLength: 255 }),
  repository_name: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'the repository name without the project; a/b is sent as a%252Fb',
  }),
});
const ArtifactParams = Type.Object({
  ...RepositoryParams.properties,
  reference: Type.String({ minLength: 1, maxLength: 200, description: 'a tag or a digest' }),
});
const flag = (description: string, fallback: boolean) => Type.Boolean({ default: fallback, description });
const ArtifactOptions = {
  with_tag: flag('include the tags', true),
  with_accessory: flag('include the accessories (signatures, SBOMs)', false),
  with_label: flag('accepted for compatibility; Berth has no labels', false),
  with_scan_overview: flag('include the vulnerability scan overview', false),
  with_immutable_status: flag('accepted for compatibility; no tag is immutable yet', false),
};

/** Harbor's zero time, which it shows for "never pulled". */
const never = '0001-01-01T00:00:00.000Z';
const pullTime = (time: number | null) => (time === null ? never : iso(time));

/** Harbor encodes a slash in a repository name twice (a%252Fb): the router undid one layer. */
function repositoryName(params: { project_name: string; repository_name: string }): string {
  try {
    return `${params.project_name}/${decodeURIComponent(params.repository_name)}`;
  } catch {
    throw new BerthError('INVALID_INPUT', 'the repository name is not validly URL-encoded');
  }
}

function additionLinks(base: string, image: boolean): Record<string, { href: string; absolute: boolean }> {
  return image ? { build_history: { href: `${base}/additions/build_history`, absolute: false } } : {};
}

const encodedRepository = (name: string) =>
  encodeURIComponent(encodeURIComponent(name.slice(name.indexOf('/') + 1)));

interface Overviews {
  readonly registration: ScannerRegistration;
  readonly reports: ReadonlyMap<string, ScanReport>;
}

export const repositoryRoutes: FastifyPluginAsyncTypebox<RepositoryRoutesDeps> = async (
  app,
  { projects, artifacts, scans, scanScheduler, scanners, events, version },
) => {
  const builtIn: ScannerInfo = { name: 'Berth', vendor: 'Berth', version };
  /** The scanner as a report names it: the built-in one, or the adapter as it described itself. */
  const scannerOf = (registration: ScannerRegistration, own: ScannerInfo | undefined): ScannerInfo =>
    registration.uuid === builtInScannerId
      ? builtIn
      : (own ?? { name: registration.name, vendor: '', version: '' });

  const overviewOf = (report: ScanReport, registration: ScannerRegistration) => ({
    report_id: report.reportId,
    scan_status: report.status,
    severity: report.severity,
    duration: report.finishedAt === undefined ? 0 : Math.round((report.finishedAt - report.startedAt) / 1000),
    summary: {
      total: report.summary.total ?? 0,
      fixable: report.summary.fixable ?? 0,
      summary: report.summary.summary ?? {},
    },
    start_time: iso(report.startedAt),
    ...(report.finishedAt === undefined ? {} : { end_time: iso(report.finishedAt) }),
    complete_percent: report.status === 'Success' || report.status === 'Error' ? 100 : 0,
    scanner: scannerOf(registration, report.summary.scanner),
  });

  const authorized = (request: FastifyRequest, projectName: string, resource: Resource, action: Action) =>
    authorizedProject(projects, request, projectName, resource, action, true);

  const repositoryOf = (project: Project, r: RepositoryView) => ({
    id: r.id,
    project_id: project.id,
    name: r.name,
    description: r.description,
    artifact_count: r.artifactCount,
    pull_count: r.pullCount,
    creation_time: iso(r.createdAt),
    update_time: iso(r.updatedAt),
  });

  const tagOf = (tag: TagView) => ({
    repository_id: tag.repositoryId,
    artifact_id: tag.artifactId,
    name: tag.name,
    push_time: iso(tag.pushTime),
    pull_time: pullTime(tag.pullTime),
    immutable: false,
  });

  const accessoryOf = (a: AccessoryView) => ({
    id: a.id,
    artifact_id: a.artifactId,
    subject_artifact_id: a.subjectArtifactId,
    subject_artifact_digest: a.subjectDigest,
    subject_artifact_repo: a.repositoryName,
    size: a.size,
    digest: a.digest,
    type: a.type,
    icon: '',
    creation_time: iso(a.createdAt),
  });

  /** An artifact in Harbor's shape, with its scan overview when `overviews` holds the reports. */
  async function artifactOf(
    project: Project,
    view: ArtifactView,
    options: { with_tag: boolean; with_accessory: boolean; with_scan_overview: boolean },
    overviews: Overviews | undefined,
  ) {
    const base = `/api/v2.0/projects/${project.name}/repositories/${encodedRepository(view.repositoryName)}/artifacts/${view.digest}`;
    const extra = view.type === 'IMAGE' ? await artifacts.extraAttrs(view) : undefined;
    return {
      id: view.id,
      type: view.type,
      media_type: view.mediaType,
      manifest_media_type: view.manifestMediaType,
      artifact_type: view.artifactType,
      project_id: project.id,
      repository_id: view.repositoryId,
      repository_name: view.repositoryName,
      digest: view.digest,
      size: view.size,
      icon: '',
      push_time: iso(view.pushTime),
      pull_time: pullTime(view.pullTime),
      ...(extra ? { extra_attrs: extra } : {}),
      annotations: view.annotations,
      references: view.references.map((r) => ({
        parent_id: r.parentId,
        ...(r.childId !== undefined ? { child_id: r.childId } : {}),
        child_digest: r.childDigest,
        ...(r.platform ? { platform: r.platform } : {}),
        ...(r.annotations ? { annotations: r.annotations } : {}),
        ...(r.urls ? { urls: r.urls } : {}),
      })),
      ...(options.with_tag ? { tags: view.tags.map(tagOf) } : {}),
      addition_links: additionLinks(base, extra !== undefined),
      ...(options.with_accessory
        ? {
            accessories: (await artifacts.accessories(view)).map(accessoryOf),
          }
        : {}),
      ...(overviews ? scanOverview(view.digest, overviews) : {}),
    };
  }

  function scanOverview(digest: string, { registration, reports }: Overviews) {
    const report = reports.get(digest);
    return report ? { scan_overview: { [vulnerabilityReportType]: overviewOf(report, registration) } } : {};
  }

  /** The reports of the project's scanner for these artifacts (one query for a whole page). */
  async function overviewsOf(
    project: Project,
    options: { with_scan_overview: boolean },
    views: readonly ArtifactView[],
  ): Promise<Overviews | undefined> {
    if (!options.with_scan_overview) return undefined;
    const registration = await scanners.forProject(project.id);
    return {
      registration,
      reports: await scans.reports(
        views.map((v) => v.digest),
        registration.uuid,
      ),
    };
  }

  app.get(
    '/projects/:project_name/repositories',
    {
      schema: {
        tags: ['repository'],
        summary: 'List the repositories of a project',
        params: Type.Object({ project_name: Type.String({ minLength: 1, maxLength: 255 }) }),
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(Repository)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'repository', 'list');
      const query = request.query;
      const filters = parseQ(query.q, ['name']);
      const { total, items } = await artifacts.listRepositories(project.name, {
        page: query.page,
        pageSize: query.page_size,
        name: filters.name,
        sort: parseSort(query.sort, {
          name: 'name',
          creation_time: 'created_at',
          update_time: 'updated_at',
          pull_count: 'pull_count',
        } as const),
      });
      pageHeaders(request, reply, query, total);
      return items.map((r) => repositoryOf(project, r));
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
      const project = await authorized(request, request.params.project_name, 'repository', 'read');
      return repositoryOf(project, await artifacts.getRepository(repositoryName(request.params)));
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
      await authorized(request, request.params.project_name, 'repository', 'update');
      const body = request.body;
      await artifacts.updateRepository(repositoryName(request.params), body.description);
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
      await artifacts.deleteRepository(name);
      report(events, request, {
        operation: 'delete',
        resourceType: 'repository',
        resource: name,
        projectName: project.name,
      });
      return empty(reply, 200);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the artifacts of a repository',
        description:
          'Top-level artifacts: children of an index and accessories are shown with their parent. ' +
          'q takes tags=* (tagged), tags=nil (untagged), tags=v, tags=~v, digest=…, media_type=…',
        params: RepositoryParams,
        querystring: Type.Object({ ...PageQuery, ...ArtifactOptions }),
        response: { 200: Type.Array(ref(Artifact)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'artifact', 'list');
      const query = request.query;
      const filters = parseQ(query.q, ['tags', 'digest', 'media_type']);
      const exact = (key: string) => {
        const filter = filters[key];
        if (filter?.fuzzy) throw new BerthError('INVALID_INPUT', `${key} takes an exact value, not ~`);
        return filter?.value;
      };
      const { total, items } = await artifacts.listArtifacts(repositoryName(request.params), {
        page: query.page,
        pageSize: query.page_size,
        tags: filters.tags,
        digest: exact('digest'),
        mediaType: exact('media_type'),
        sort: parseSort(query.sort, {
          push_time: 'created_at',
          pull_time: 'pull_time',
          digest: 'digest',
        } as const),
      });
      pageHeaders(request, reply, query, total);
      const overviews = await overviewsOf(project, query, items);
      return Promise.all(items.map((view) => artifactOf(project, view, query, overviews)));
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
        response: { 200: ref(Artifact), ...errorResponses },
      },
    },
    async (request) => {
      const project = await authorized(request, request.params.project_name, 'artifact', 'read');
      const view = await artifacts.getArtifact(repositoryName(request.params), request.params.reference);
      return artifactOf(project, view, request.query, await overviewsOf(project, request.query, [view]));
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
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the tags of an artifact',
        params: ArtifactParams,
        querystring: Type.Object({
          ...PageQuery,
          with_immutable_status: ArtifactOptions.with_immutable_status,
        }),
        response: { 200: Type.Array(ref(Tag)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'tag', 'list');
      const query = request.query;
      const filters = parseQ(query.q, ['name']);
      const { total, items } = await artifacts.listTags(
        repositoryName(request.params),
        request.params.reference,
        {
          page: query.page,
          pageSize: query.page_size,
          name: filters.name,
          sort: parseSort(query.sort, {
            name: 'name',
            push_time: 'updated_at',
            pull_time: 'pull_time',
          } as const),
        },
      );
      pageHeaders(request, reply, query, total);
      return items.map(tagOf);
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
      const project = await authorized(request, request.params.project_name, 'tag', 'create');
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
      const project = await authorized(request, request.params.project_name, 'tag', 'delete');
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

  app.post(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/scan',
    {
      schema: {
        tags: ['scan'],
        summary: 'Scan an artifact for vulnerabilities (queued; the scan overview shows its progress)',
        params: ArtifactParams,
        response: { 202: noContent('Queued'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'scan', 'create');
      const name = repositoryName(request.params);
      const view = await artifacts.getArtifact(name, request.params.reference);
      await scanScheduler.request(name, view.digest);
      return empty(reply, 202);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/vulnerabilities',
    {
      schema: {
        tags: ['artifact'],
        summary: 'The vulnerability report of an artifact (an index: the union of its children’s)',
        params: ArtifactParams,
        response: { 200: Type.Record(Type.String(), ref(HarborVulnerabilityReport)), ...errorResponses },
      },
    },
    async (request) => {
      const project = await authorized(request, request.params.project_name, 'scan', 'read');
      const name = repositoryName(request.params);
      const view = await artifacts.getArtifact(name, request.params.reference);
      const registration = await scanners.forProject(project.id);
      const [report, details] = await Promise.all([
        scans.report(view.digest, registration.uuid),
        scans.storedDetails(view.digest, registration.uuid),
      ]);
      if (!report || !details) return {} as Record<string, never>;
      return {
        [vulnerabilityReportType]: {
          report_id: report.reportId,
          generated_at: iso(report.finishedAt ?? report.startedAt),
          artifact: { repository: name, digest: view.digest, mime_type: view.manifestMediaType },
          scanner: scannerOf(registration, details.scanner),
          severity: report.severity,
          vulnerabilities: details.findings.map((f) => ({
            id: f.id,
            package: f.package,
            version: f.version,
            fix_version: f.fixVersion ?? '',
            severity: f.severity,
            description: f.description,
            links: f.links,
            ...(f.layer ? { layer: { digest: f.layer } } : {}),
            ...(f.score === undefined && f.vector === undefined
              ? {}
              : {
                  preferred_cvss: {
                    ...(f.score === undefined ? {} : { score_v3: f.score }),
                    ...(f.vector === undefined ? {} : { vector_v3: f.vector }),
                  },
                }),
            ...(f.cweIds ? { cwe_ids: f.cweIds } : {}),
            vendor_attributes: { ...f.vendorAttributes, osv_ids: f.osvIds },
          })),
        },
      };
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/sbom',
    {
      schema: {
        tags: ['artifact'],
        summary: 'The SBOM of a scanned artifact: SPDX 2.3 (default) or CycloneDX 1.5 JSON',
        params: ArtifactParams,
        querystring: Type.Object({
          format: Type.Union([Type.Literal('spdx'), Type.Literal('cyclonedx')], { default: 'spdx' }),
        }),
        response: {
          200: Type.Unknown({ description: 'an SPDX 2.3 or CycloneDX 1.5 JSON document' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'scan', 'read');
      const name = repositoryName(request.params);
      const view = await artifacts.getArtifact(name, request.params.reference);
      // SBOMs are the built-in scanner's (it is the one that lists packages).
      const details = await scans.storedDetails(view.digest, builtInScannerId);
      if (!details) throw new BerthError('NOT_FOUND', 'the artifact has no SBOM yet: scan it first');
      const subject = { repository: name, digest: view.digest, created: view.pushTime };
      // The documents go out as they are (serialized here: their media types are not plain JSON's).
      return request.query.format === 'cyclonedx'
        ? reply.type(cyclonedxMediaType).send(JSON.stringify(cyclonedxDocument(subject, details, builtIn)))
        : reply
            .type(spdxMediaType)
            .send(JSON.stringify(spdxDocument(subject, details, `${builtIn.name}-${builtIn.version}`)));
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/accessories',
    {
      schema: {
        tags: ['artifact'],
        summary: 'List the accessories (signatures, SBOMs, other referrers) of an artifact',
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
      const filters = parseQ(query.q, ['type']);
      const matching = filters.type ? all.filter((a) => a.type === filters.type?.value) : all;
      pageHeaders(request, reply, query, matching.length);
      return matching
        .slice((query.page - 1) * query.page_size, query.page * query.page_size)
        .map(accessoryOf);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/:addition',
    {
      schema: {
        tags: ['artifact'],
        summary: 'An addition of an artifact: build_history of an image',
        params: Type.Object({ ...ArtifactParams.properties, addition: Type.String() }),
        response: { 200: Type.Array(Type.Record(Type.String(), Type.Unknown())), ...errorResponses },
      },
    },
    async (request) => {
      await authorized(request, request.params.project_name, 'artifact', 'read');
      const view = await artifacts.getArtifact(repositoryName(request.params), request.params.reference);
      if (request.params.addition !== 'build_history')
        throw new BerthError(
          'NOT_FOUND',
          `no addition ${request.params.addition.slice(0, 40)} for this artifact`,
        );
      const config = await artifacts.config(view);
      if (!config) throw new BerthError('NOT_FOUND', 'this artifact has no build history');
      return Array.isArray(config.history) ? (config.history as Record<string, unknown>[]) : [];
    },
  );
};
