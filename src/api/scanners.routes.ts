import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { RegistrationField, ScannerRegistration, ScannerRegistrations } from '../scan/index.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { registrationResponse } from './presenters/scanner.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import {
  errorResponses,
  IsDefault,
  ProjectScanner,
  ScannerRegistration as RegistrationSchema,
  ref,
  ScannerAdapterMetadata,
  ScannerRegistrationReq,
  ScannerRegistrationSettings,
} from './schemas/index.js';

export interface ScannerRoutesDeps {
  readonly scanners: ScannerRegistrations;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

const RegistrationId = Type.Object({ registration_id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Harbor's `q` keys of scanner registrations: its columns and their Go field names. Not the access
 * credential: Harbor accepts it, but a filter on a secret that is never shown would spell it out one
 * guess at a time.
 */
const filterKeys: Record<string, RegistrationField> = {
  uuid: 'uuid',
  UUID: 'uuid',
  name: 'name',
  Name: 'name',
  description: 'description',
  Description: 'description',
  url: 'url',
  URL: 'url',
  auth: 'auth',
  Auth: 'auth',
  disabled: 'disabled',
  Disabled: 'disabled',
  is_default: 'isDefault',
  IsDefault: 'isDefault',
  skip_cert_verify: 'skipCertVerify',
  SkipCertVerify: 'skipCertVerify',
  use_internal_addr: 'useInternalAddr',
  UseInternalAddr: 'useInternalAddr',
  immutable: 'immutable',
  Immutable: 'immutable',
  create_time: 'createdAt',
  CreateTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
};

/**
 * Harbor's scanner registrations (`/scanners`, system administrators and system robots holding the scanner permission) and each project's choice of
 * scanner (`/projects/{project_name_or_id}/scanner`: project admins set it, members read it).
 */
export const scannerRoutes: FastifyPluginAsyncTypebox<ScannerRoutesDeps> = async (
  app,
  { scanners, projects, events },
) => {
  /** A registration as Harbor shows it, with what its adapter says of itself (or that it is down). */
  const registrationOf = async (registration: ScannerRegistration) =>
    registrationResponse(registration, await scanners.health(registration));

  async function listed(request: FastifyRequest, reply: FastifyReply, query: Static<typeof ListQuery>) {
    const { total, items } = await scanners.list({
      filters: filtersOf(query.q, filterKeys),
      sorts: sortsOf(query.sort, filterKeys),
      page: query.page,
      pageSize: query.page_size,
    });
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
        response: { 200: Type.Array(ref(RegistrationSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'scanner', 'list');
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
      requireSystemAccess(request, 'scanner', 'create');
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
      requireSystemAccess(request, 'scanner', 'read');
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
        response: { 200: ref(RegistrationSchema), ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'scanner', 'read');
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
      requireSystemAccess(request, 'scanner', 'update');
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
        response: { 200: ref(RegistrationSchema), ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'scanner', 'delete');
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
      requireSystemAccess(request, 'scanner', 'update');
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
      requireSystemAccess(request, 'scanner', 'read');
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
        response: { 200: ref(RegistrationSchema), ...errorResponses },
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
        response: { 200: Type.Array(ref(RegistrationSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await authorizedProject(projects, request, request.params.project_name_or_id, 'scanner', 'create');
      return listed(request, reply, request.query);
    },
  );
};
