import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AuditLog as AuditRow } from '../db/index.js';
import type { AuditQuery, AuditService } from '../domain/audit/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import { iso, requireSysAdmin } from './context.js';
import { PageQuery, pageHeaders, parseQ } from './pagination.js';
import { authorizedProject, IsResourceName } from './project-access.js';
import { AuditLog, AuditLogExt, errorResponses, ref } from './schemas/index.js';

export interface AuditRoutesDeps {
  readonly audit: AuditService;
  readonly projects: ProjectService;
}

const toLog = (row: AuditRow) => ({
  id: row.id,
  username: row.operator,
  resource: row.resource,
  resource_type: row.resource_type,
  operation: row.operation,
  op_time: iso(row.op_time),
});

const toExt = (row: AuditRow) => ({
  ...toLog(row),
  operation_description: row.description,
  operation_result: row.result === 1,
});

/** A time range of Harbor's `q`: `op_time=[2026-01-01 00:00:00~2026-01-02 00:00:00]` (either end may be empty). */
function timeRange(value: string | undefined): { from?: number; to?: number } {
  if (value === undefined) return {};
  const match = /^\[(.*)~(.*)\]$/.exec(value);
  if (!match) throw new BerthError('INVALID_INPUT', 'op_time takes a range: op_time=[from~to]');
  const parse = (text: string | undefined) => {
    if (!text) return undefined;
    const time = Date.parse(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
    if (Number.isNaN(time)) throw new BerthError('INVALID_INPUT', `invalid time ${text.slice(0, 40)}`);
    return time;
  };
  const from = parse(match[1]);
  const to = parse(match[2]);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function queryOf(page: { page: number; page_size: number; q?: string; sort?: string }): AuditQuery {
  const filters = parseQ(page.q, ['username', 'operation', 'resource', 'resource_type', 'op_time']);
  if (page.sort !== undefined && !['op_time', '-op_time'].includes(page.sort))
    throw new BerthError('INVALID_INPUT', 'audit logs sort by op_time or -op_time');
  return {
    page: page.page,
    pageSize: page.page_size,
    operator: filters.username?.value,
    operation: filters.operation?.value,
    resourceType: filters.resource_type?.value,
    resource: filters.resource,
    ...timeRange(filters.op_time?.value),
    newestFirst: page.sort !== 'op_time',
  };
}

export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesDeps> = async (app, { audit, projects }) => {
  app.get(
    '/audit-logs',
    {
      schema: {
        tags: ['auditlog'],
        summary: 'The audit log (system administrators)',
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(AuditLog)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const { total, items } = await audit.list(queryOf(request.query));
      pageHeaders(request, reply, request.query, total);
      return items.map(toLog);
    },
  );

  app.get(
    '/auditlog-exts',
    {
      schema: {
        tags: ['auditlog'],
        summary: 'The audit log with results and descriptions (system administrators)',
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(AuditLogExt)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const { total, items } = await audit.list(queryOf(request.query));
      pageHeaders(request, reply, request.query, total);
      return items.map(toExt);
    },
  );

  app.get(
    '/projects/:project_name/logs',
    {
      schema: {
        tags: ['project'],
        summary: 'The audit log of one project (members who may list logs)',
        params: Type.Object({ project_name: Type.String({ minLength: 1 }) }),
        headers: IsResourceName,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(AuditLog)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(projects, request, request.params.project_name, 'log', 'list');
      const { total, items } = await audit.list({ ...queryOf(request.query), projectId: project.id });
      pageHeaders(request, reply, request.query, total);
      return items.map(toLog);
    },
  );
};
