import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScannerRegistration as RegistrationRow } from '../db/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { ScannerRegistrations, ScanScheduler } from '../scan/index.js';
import { empty, iso, noContent, report, requireSysAdmin } from './context.js';
import { PageQuery, pageHeaders, parseQ, parseSort } from './pagination.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import {
  errorResponses,
  IsDefault,
  ProjectScanner,
  ref,
  ScannerAdapterMetadata,
  ScannerRegistration,
  ScannerRegistrationReq,
  ScannerRegistrationSettings,
} from './schemas/index.js';

export interface ScannerRoutesDeps {
  readonly scanners: ScannerRegistrations;
  readonly scanScheduler: ScanScheduler;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

const RegistrationId = Type.Object({ registration_id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Harbor's scanner registrations (`/scanners`, system administrators), each project's choice of
 * scanner (`/projects/{project_name_or_id}/scanner`: project admins set it, members read it), and
 * scanning everything, each artifact by its project's scanner (`/system/scanAll/now`).
 */
export const scannerRoutes: FastifyPluginAsyncTypebox<ScannerRoutesDeps> = async (
  app,
  { scanners, scanScheduler, projects, events },
) => {
  /** A registration as Harbor shows it, with what its adapter says of itself (or that it is down). */
  async function registrationOf(row: RegistrationRow) {
    const health = await scanners.health(row);
    const capabilities = health.metadata?.capabilities ?? [];
    const supports = (type: string) => capabilities.some((c) => (c.type ?? 'vulnerability') === type);
    return {
      uuid: row.uuid,
      name: row.name,
      description: row.description,
      url: row.url,
      disabled: row.disabled === 1,
      is_default: row.is_default === 1,
      auth: row.auth,
      access_credential: '',
      skip_certVerify: row.skip_cert_verify === 1,
      use_internal_addr: row.use_internal_addr === 1,
      create_time: iso(row.created_at),
      update_time: iso(row.updated_at),
      adapter: health.metadata?.scanner.name ?? '',
      vendor: health.metadata?.scanner.vendor ?? '',
      version: health.metadata?.scanner.version ?? '',
      health: health.healthy ? 'healthy' : 'unhealthy',
      capabilities: { support_vulnerability: supports('vulnerability'), support_sbom: supports('sbom') },
    };
  }

  async function listed(request: FastifyRequest, reply: FastifyReply, query: Static<typeof ListQuery>) {
    const filters = parseQ(query.q, ['name', 'description', 'url']);
    const { total, items } = await scanners.list(
      filters,
      parseSort(query.sort, { name: 'name', url: 'url', create_time: 'created_at' } as const),
      query.page,
      query.page_size,
    );
    pageHeaders(request, reply, query, total);
    return Promise.all(items.map(registrationOf));
  }

  const ListQuery = Type.Object(PageQuery);

  app.get(
    '/scanners',
    {
      schema: {
        tags: ['scanner'],
        summary: 'List scanner registrations (system administrators)',
        querystring: ListQuery,
        response: { 200: Type.Array(ref(ScannerRegistration)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      return listed(request, reply, request.query);
    },
  );

  app.post(
    '/scanners',
    {
      schema: {
        tags: ['scanner'],
        summary: 'Register an external scanner adapter (system administrators)',
        body: ref(ScannerRegistrationReq),
        response: { 201: noContent('Registered; Location names it'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const created = await scanners.create(request.body);
      report(events, request, { operation: 'create', resourceType: 'scanner', resource: created.name });
      return empty(reply, 201, `/api/v2.0/scanners/${created.uuid}`);
    },
  );

  app.post(
    '/scanners/ping',
    {
      schema: {
        tags: ['scanner'],
        summary: 'Check that an adapter answers with these settings (fetches its metadata)',
        body: ref(ScannerRegistrationSettings),
        response: { 200: noContent('The adapter answered'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      await scanners.ping(request.body);
      return empty(reply, 200);
    },
  );

  app.get(
    '/scanners/:registration_id',
    {
      schema: {
        tags: ['scanner'],
        summary: 'A scanner registration (system administrators)',
        params: RegistrationId,
        response: { 200: ref(ScannerRegistration), ...errorResponses },
      },
    },
    async (request) => {
      requireSysAdmin(request);
      return registrationOf(await scanners.get(request.params.registration_id));
    },
  );

  app.put(
    '/scanners/:registration_id',
    {
      schema: {
        tags: ['scanner'],
        summary: 'Change a scanner registration; an empty access_credential keeps the stored one',
        params: RegistrationId,
        body: ref(ScannerRegistrationReq),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const updated = await scanners.update(request.params.registration_id, request.body);
      report(events, request, { operation: 'update', resourceType: 'scanner', resource: updated.name });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/scanners/:registration_id',
    {
      schema: {
        tags: ['scanner'],
        summary: 'Remove a scanner registration (not the default or the built-in one); answers it',
        params: RegistrationId,
        response: { 200: ref(ScannerRegistration), ...errorResponses },
      },
    },
    async (request) => {
      requireSysAdmin(request);
      const deleted = await scanners.delete(request.params.registration_id);
      report(events, request, { operation: 'delete', resourceType: 'scanner', resource: deleted.name });
      return { ...(await registrationOf(deleted)), is_default: false };
    },
  );

  app.patch(
    '/scanners/:registration_id',
    {
      schema: {
        tags: ['scanner'],
        summary: 'Make a scanner registration the system default',
        params: RegistrationId,
        body: ref(IsDefault),
        response: { 200: noContent('Set'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const { is_default } = request.body;
      await scanners.setDefault(request.params.registration_id, is_default);
      report(events, request, {
        operation: 'update',
        resourceType: 'scanner',
        resource: `${request.params.registration_id} is_default=${is_default}`,
      });
      return empty(reply, 200);
    },
  );

  app.get(
    '/scanners/:registration_id/metadata',
    {
      schema: {
        tags: ['scanner'],
        summary: "The adapter's metadata: scanner, capabilities and properties (fetched now)",
        params: RegistrationId,
        response: { 200: ref(ScannerAdapterMetadata), ...errorResponses },
      },
    },
    async (request) => {
      requireSysAdmin(request);
      const metadata = await scanners.metadata(await scanners.get(request.params.registration_id));
      return { ...metadata, properties: metadata.properties ?? {} };
    },
  );

  const ProjectParams = NameOrId;

  app.get(
    '/projects/:project_name_or_id/scanner',
    {
      schema: {
        tags: ['project'],
        summary: "The project's scanner: its own choice, else the system default",
        params: ProjectParams,
        headers: IsResourceName,
        response: { 200: ref(ScannerRegistration), ...errorResponses },
      },
    },
    async (request) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'scanner',
        'read',
      );
      return registrationOf(await scanners.forProject(project.id));
    },
  );

  app.put(
    '/projects/:project_name_or_id/scanner',
    {
      schema: {
        tags: ['project'],
        summary: "Set the project's scanner (project administrators)",
        params: ProjectParams,
        headers: IsResourceName,
        body: ref(ProjectScanner),
        response: { 200: noContent('Set'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(
        projects,
        request,
        request.params.project_name_or_id,
        'scanner',
        'create',
      );
      const { uuid } = request.body;
      await scanners.setForProject(project.id, uuid);
      report(events, request, {
        operation: 'update',
        resourceType: 'project',
        resource: project.name,
        projectName: project.name,
        description: `scanner set to ${uuid}`,
      });
      return empty(reply, 200);
    },
  );

  app.get(
    '/projects/:project_name_or_id/scanner/candidates',
    {
      schema: {
        tags: ['project'],
        summary: 'The scanner registrations a project may choose from (project administrators)',
        params: ProjectParams,
        headers: IsResourceName,
        querystring: ListQuery,
        response: { 200: Type.Array(ref(ScannerRegistration)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorizedProject(projects, request, request.params.project_name_or_id, 'scanner', 'create');
      return listed(request, reply, request.query);
    },
  );
  app.post(
    '/system/scanAll/now',
    {
      schema: {
        tags: ['scanAll'],
        summary: 'Scan every image and index in the registry now (system administrators)',
        response: { 202: noContent('Queued'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      await scanScheduler.scanAll();
      return empty(reply, 202);
    },
  );
};
