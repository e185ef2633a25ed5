import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { allows, rolePolicies } from '../auth/index.js';
import {
  type AuditField,
  type AuditRecord,
  type AuditService,
  auditEventTypes,
} from '../domain/audit/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { requireAuthenticated } from './context.js';
import { authorizedProject, IsResourceName } from './project-access.js';
import { filtersOf, type PageParams, PageQuery, pageHeaders, sortsOf } from './query.js';
import { AuditLog, AuditLogExt, errorResponses, ref } from './schemas/index.js';

export interface AuditRoutesDeps {
  readonly audit: AuditService;
  readonly projects: ProjectService;
}

const toLog = (record: AuditRecord) => ({
  id: record.id,
  username: record.operator,
  resource: record.resource,
  resource_type: record.resourceType,
  operation: record.operation,
  op_time: record.time.toISOString(),
});

const toExt = (record: AuditRecord) => ({
  ...toLog(record),
  operation_description: record.description,
  operation_result: record.success,
});

/** Harbor's keys for audit logs (column names and Go field names). */
const auditKeys: Readonly<Record<string, AuditField>> = {
  id: 'id',
  ID: 'id',
  project_id: 'projectId',
  ProjectID: 'projectId',
  operation: 'operation',
  Operation: 'operation',
  resource_type: 'resourceType',
  ResourceType: 'resourceType',
  resource: 'resource',
  Resource: 'resource',
  username: 'operator',
  Username: 'operator',
  op_time: 'time',
  OpTime: 'time',
  op_desc: 'description',
  OperationDescription: 'description',
  op_result: 'success',
  IsSuccessful: 'success',
};

const description =
  'q keys: username, operation (e.g. operation={create delete}), resource, resource_type, op_time=[from~to], project_id; ext logs also op_desc and op_result; newest first unless sorted otherwise';

export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesDeps> = async (app, { audit, projects }) => {
  /**
   * Whose records the caller sees in the registry-wide logs: administrators all of them, users those
   * of the projects where they may list logs (as Harbor), robots and everyone else none.
   */
  async function scope(request: FastifyRequest): Promise<readonly number[] | undefined> {
    requireAuthenticated(request);
    if (request.security.isSysAdmin) return undefined;
    const principal = request.security.principal;
    if (principal?.kind !== 'user') return [];
    const memberships = await projects.memberships(principal.id);
    return memberships.filter((m) => allows(rolePolicies[m.role], 'log', 'list')).map((m) => m.projectId);
  }

  const list = (query: PageParams, projectIds: readonly number[] | undefined) =>
    audit.list({
      page: query.page,
      pageSize: query.page_size,
      filters: filtersOf(query.q, auditKeys),
      sorts: sortsOf(query.sort, auditKeys),
      projectIds,
    });

  for (const [path, ext] of [
    ['/audit-logs', false],
    ['/auditlog-exts', true],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          tags: ['auditlog'],
          summary: ext
            ? 'The audit log with results and descriptions (administrators: all; users: their projects’)'
            : 'The audit log (administrators: all; users: their projects’)',
          description,
          querystring: Type.Object(PageQuery),
          response: { 200: Type.Array(ext ? ref(AuditLogExt) : ref(AuditLog)), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { total, items } = await list(request.query, await scope(request));
        pageHeaders(request, reply, request.query, total);
        return items.map(ext ? toExt : toLog);
      },
    );
  }

  app.get(
    '/auditlog-exts/events',
    {
      schema: {
        tags: ['auditlog'],
        summary: 'The kinds of event the audit log records',
        response: {
          200: Type.Array(Type.Object({ event_type: Type.String() })),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      return auditEventTypes.map((event_type) => ({ event_type }));
    },
  );

  for (const [path, ext] of [
    ['/projects/:project_name/logs', false],
    ['/projects/:project_name/auditlog-exts', true],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          tags: ['project'],
          summary: ext
            ? 'The audit log of one project, with results and descriptions (members who may list logs)'
            : 'The audit log of one project (members who may list logs)',
          description,
          params: Type.Object({ project_name: Type.String({ minLength: 1 }) }),
          headers: IsResourceName,
          querystring: Type.Object(PageQuery),
          response: { 200: Type.Array(ext ? ref(AuditLogExt) : ref(AuditLog)), ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = await authorizedProject(
          projects,
          request,
          request.params.project_name,
          'log',
          'list',
        );
        const { total, items } = await list(request.query, [project.id]);
        pageHeaders(request, reply, request.query, total);
        return items.map(ext ? toExt : toLog);
      },
    );
  }
};
