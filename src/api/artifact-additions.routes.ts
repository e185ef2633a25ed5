import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action, Resource } from '../auth/index.js';
import type { ArtifactService } from '../domain/artifact/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import {
  builtInScannerId,
  cyclonedxDocument,
  cyclonedxMediaType,
  type ScannerInfo,
  type ScannerRegistrations,
  type ScanScheduler,
  type ScanService,
  spdxDocument,
  spdxMediaType,
} from '../scan/index.js';
import { empty, noContent } from './context.js';
import { scanLog, vulnerabilityAddition } from './presenters/scan.js';
import { authorizedProject } from './project-access.js';
import { ArtifactParams, repositoryName } from './repository-path.js';
import { errorResponses, HarborVulnerabilityReport, ref } from './schemas/index.js';

/** Harbor's ScanType: which scan a request means (Berth's one scan makes both reports). */
const ScanType = Type.Object({
  scan_type: Type.Optional(Type.Union([Type.Literal('vulnerability'), Type.Literal('sbom')])),
});

export interface ArtifactAdditionRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly scans: ScanService;
  readonly scanScheduler: ScanScheduler;
  readonly scanners: ScannerRegistrations;
  readonly version: string;
}

/** What hangs off an artifact besides itself: its scan, vulnerability report, SBOM and build history. */
export const artifactAdditionRoutes: FastifyPluginAsyncTypebox<ArtifactAdditionRoutesDeps> = async (
  app,
  { projects, artifacts, scans, scanScheduler, scanners, version },
) => {
  const builtIn: ScannerInfo = { name: 'Berth', vendor: 'Berth', version };
  const authorized = (request: FastifyRequest, projectName: string, resource: Resource, action: Action) =>
    authorizedProject(projects, request, projectName, resource, action, true);

  app.post(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/scan',
    {
      schema: {
        tags: ['scan'],
        summary: 'Scan an artifact for vulnerabilities (queued; the scan overview shows its progress)',
        description:
          'A scan also makes the SBOMs of an image: the optional body {"scan_type": "vulnerability" | "sbom"} asks for the same scan',
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

  app.post(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/scan/stop',
    {
      schema: {
        tags: ['scan'],
        summary: 'Stop the scan of an artifact while it waits to run',
        params: ArtifactParams,
        body: ScanType,
        response: { 202: noContent('Stopped'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorized(request, request.params.project_name, 'scan', 'stop');
      const name = repositoryName(request.params);
      const view = await artifacts.getArtifact(name, request.params.reference);
      await scanScheduler.stop(name, view.digest);
      return empty(reply, 202);
    },
  );

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/scan/:report_id/log',
    {
      schema: {
        tags: ['scan'],
        summary: 'The log of a scan report (text)',
        params: Type.Object({
          ...ArtifactParams.properties,
          report_id: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        response: { 200: Type.String({ description: 'the scan log, plain text' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorized(request, request.params.project_name, 'scan', 'read');
      const name = repositoryName(request.params);
      const view = await artifacts.getArtifact(name, request.params.reference);
      const registration = await scanners.forProject(project.id);
      const report = await scans.report(view.digest, registration.uuid);
      if (!report || report.reportId !== request.params.report_id)
        throw new BerthError(
          'NOT_FOUND',
          `no scan report ${request.params.report_id.slice(0, 64)} for this artifact`,
        );
      return reply
        .type('text/plain; charset=utf-8')
        .send(scanLog(name, view.digest, registration.name, report));
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
      if (!report || !details) return {};
      return vulnerabilityAddition(
        { repository: name, digest: view.digest, mimeType: view.manifestMediaType },
        report,
        details,
        registration,
        builtIn,
      );
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
      const subject = { repository: name, digest: view.digest, created: view.pushTime.getTime() };
      // The documents go out as they are (serialized here: their media types are not plain JSON's).
      return request.query.format === 'cyclonedx'
        ? reply.type(cyclonedxMediaType).send(JSON.stringify(cyclonedxDocument(subject, details, builtIn)))
        : reply
            .type(spdxMediaType)
            .send(JSON.stringify(spdxDocument(subject, details, `${builtIn.name}-${builtIn.version}`)));
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
