import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventSink } from '../domain/events.js';
import type { Quota, QuotaService, QuotaSort } from '../domain/quota/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { PageQuery, pageHeaders } from './query.js';
import { errorResponses, Quota as QuotaSchema, ref } from './schemas/index.js';

export interface QuotaRoutesDeps {
  readonly quotas: QuotaService;
  readonly events: EventSink;
}

const toResponse = (quota: Quota) => ({
  id: quota.id,
  ref: { id: quota.projectId, name: quota.projectName, owner_name: quota.ownerName },
  creation_time: quota.createdAt.toISOString(),
  update_time: quota.updatedAt.toISOString(),
  hard: { storage: quota.hard },
  used: { storage: quota.used },
});

/** Harbor's sort keys for quotas. */
const sortKeys: Readonly<Record<string, QuotaSort>> = {
  creation_time: 'creation_time',
  update_time: 'update_time',
  'hard.storage': 'hard',
  'used.storage': 'used',
};

function sortOf(sort: string | undefined): { key: QuotaSort; desc: boolean } | undefined {
  if (!sort) return undefined;
  const desc = sort.startsWith('-');
  const key = sortKeys[sort.replace(/^[-+]/, '')];
  if (!key)
    throw new BerthError(
      'INVALID_INPUT',
      `cannot sort by ${sort.slice(0, 40)}; use one of ${Object.keys(sortKeys).join(', ')}`,
    );
  return { key, desc };
}

const QuotaId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

/** Harbor's storage quotas of projects (system administrators, and system robots holding `quota`). */
export const quotaRoutes: FastifyPluginAsyncTypebox<QuotaRoutesDeps> = async (app, { quotas, events }) => {
  app.get(
    '/quotas',
    {
      schema: {
        tags: ['quota'],
        summary: "Projects' storage quotas (hard limit and usage, bytes), newest first unless sorted",
        description: 'sort: creation_time, update_time, hard.storage, used.storage (- for descending)',
        querystring: Type.Object({
          ...PageQuery,
          reference: Type.Optional(Type.String({ maxLength: 64, description: 'project' })),
          reference_id: Type.Optional(Type.String({ maxLength: 10, description: 'the project id' })),
        }),
        response: { 200: Type.Array(ref(QuotaSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'quota', 'list');
      const { page, page_size, reference, reference_id } = request.query;
      if (reference !== undefined && reference !== '' && reference !== 'project') {
        // Projects are the only thing with quotas.
        pageHeaders(request, reply, request.query, 0);
        return [];
      }
      if (
        reference_id !== undefined &&
        reference_id !== '' &&
        (!/^\d+$/.test(reference_id) || Number(reference_id) > 2_147_483_647)
      )
        throw new BerthError('INVALID_INPUT', 'reference_id is a project id');
      const { total, items } = await quotas.list({
        projectId: reference_id ? Number(reference_id) : undefined,
        sort: sortOf(request.query.sort),
        offset: (page - 1) * page_size,
        limit: page_size,
      });
      pageHeaders(request, reply, request.query, total);
      return items.map(toResponse);
    },
  );

  app.get(
    '/quotas/:id',
    {
      schema: {
        tags: ['quota'],
        summary: "One project's storage quota",
        params: QuotaId,
        response: { 200: ref(QuotaSchema), ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'quota', 'read');
      return toResponse(await quotas.get(request.params.id));
    },
  );

  app.put(
    '/quotas/:id',
    {
      schema: {
        tags: ['quota'],
        summary: 'Change a project’s storage limit (bytes; -1: none; below the usage is allowed)',
        params: QuotaId,
        body: Type.Object({
          hard: Type.Optional(Type.Record(Type.String(), Type.Integer())),
        }),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'quota', 'update');
      const hard = request.body.hard;
      if (!hard || Object.keys(hard).length === 0)
        throw new BerthError('INVALID_INPUT', 'hard required in body');
      const unknown = Object.keys(hard).find((k) => k !== 'storage');
      if (unknown) throw new BerthError('INVALID_INPUT', `resource ${unknown.slice(0, 40)} not support`);
      if (hard.storage === undefined) throw new BerthError('INVALID_INPUT', 'resource storage not found');
      const quota = await quotas.update(request.params.id, hard.storage);
      report(events, request, {
        operation: 'update',
        resourceType: 'quota',
        resource: quota.projectName,
        projectName: quota.projectName,
        description: `storage ${hard.storage}`,
      });
      return empty(reply, 200);
    },
  );
};
