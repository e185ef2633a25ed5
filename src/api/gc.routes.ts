import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventSink } from '../domain/events.js';
import type { RunField, StoredSchedule } from '../jobs/index.js';
import { BerthError } from '../lib/errors.js';
import type { GcRun, GcSchedules, GcService } from '../lifecycle/index.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { errorResponses, GCHistory, ref, Schedule } from './schemas/index.js';

export interface GcRoutesDeps {
  readonly gc: GcService;
  readonly gcSchedules: GcSchedules;
  readonly events: EventSink;
}

/** Harbor Title-cases the trigger it shows as the schedule type (MANUAL → Manual). */
const titled = { MANUAL: 'Manual', SCHEDULE: 'Schedule' } as const;

/** Harbor's keys for GC executions. */
const runKeys: Readonly<Record<string, RunField>> = {
  id: 'id',
  job_status: 'status',
  status: 'status',
  job_kind: 'trigger',
  trigger: 'trigger',
  creation_time: 'createdAt',
  start_time: 'createdAt',
  update_time: 'updatedAt',
};

/** Harbor's GCHistory of an execution: its parameters and results as one JSON string, keys sorted as Go's. */
function toHistory(run: GcRun) {
  const p = run.parameters;
  const parameters = {
    delete_untagged: p.deleteUntagged,
    dry_run: p.dryRun,
    freed_space: run.result.freed_space ?? 0,
    purged_blobs: run.result.purged_blobs ?? 0,
    purged_manifests: run.result.purged_manifests ?? 0,
    time_window: p.timeWindowMinutes / 60,
    workers: p.workers,
  };
  return {
    id: run.id,
    job_name: 'GARBAGE_COLLECTION',
    job_kind: run.trigger,
    job_parameters: JSON.stringify(parameters),
    schedule: { type: titled[run.trigger] },
    job_status: run.status,
    deleted: false,
    creation_time: run.createdAt.toISOString(),
    update_time: run.updatedAt.toISOString(),
  };
}

/** Harbor's GCHistory of the schedule: the cron as job_kind, the stored parameters as job_parameters. */
function scheduleHistory(schedule: StoredSchedule) {
  return {
    id: schedule.id,
    job_name: '',
    job_kind: schedule.cron,
    job_parameters: JSON.stringify(schedule.parameters),
    schedule: {
      type: schedule.cronType,
      cron: schedule.cron,
      ...(schedule.nextRun ? { next_scheduled_time: schedule.nextRun.toISOString() } : {}),
    },
    job_status: 'Running',
    deleted: false,
    creation_time: schedule.createdAt.toISOString(),
    update_time: schedule.updatedAt.toISOString(),
  };
}

/**
 * Harbor's parameters of a GC request, read as Harbor reads them: `dry_run` and `delete_untagged`
 * count only as booleans, `workers` only as a number (a whole one, 1–5).
 */
function requested(parameters: Record<string, unknown> | undefined) {
  const p = parameters ?? {};
  const workers = p.workers;
  if (typeof workers === 'number' && !Number.isInteger(workers))
    throw new BerthError('INVALID_INPUT', 'workers should be integer format');
  return {
    ...(typeof p.delete_untagged === 'boolean' ? { deleteUntagged: p.delete_untagged } : {}),
    ...(typeof p.dry_run === 'boolean' ? { dryRun: p.dry_run } : {}),
    ...(typeof workers === 'number' ? { workers } : {}),
  };
}

const gcId = Type.Object({ gc_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

/**
 * Harbor's garbage collection (system administrators, and system robots holding the
 * `garbage-collection` permission for the action): runs, their logs, stopping one, and the schedule.
 */
export const gcRoutes: FastifyPluginAsyncTypebox<GcRoutesDeps> = async (app, { gc, gcSchedules, events }) => {
  app.get(
    '/system/gc',
    {
      schema: {
        tags: ['gc'],
        summary: 'GC executions, newest first',
        description: 'q keys: job_status, job_kind (MANUAL, SCHEDULE), id, creation_time=[from~to]',
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(GCHistory)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'garbage-collection', 'list');
      const { page, page_size } = request.query;
      const { total, items } = await gc.list({
        offset: (page - 1) * page_size,
        limit: page_size,
        filters: filtersOf(request.query.q, runKeys),
        sorts: sortsOf(request.query.sort, runKeys),
      });
      pageHeaders(request, reply, request.query, total);
      return items.map(toHistory);
    },
  );

  app.get(
    '/system/gc/:gc_id',
    {
      schema: {
        tags: ['gc'],
        summary: 'One GC execution',
        params: gcId,
        response: { 200: ref(GCHistory), ...errorResponses },
      },
    },
    async (request) => {
      requireSystemAccess(request, 'garbage-collection', 'read');
      return toHistory(await gc.get(request.params.gc_id));
    },
  );

  app.put(
    '/system/gc/:gc_id',
    {
      schema: {
        tags: ['gc'],
        summary: 'Stop a GC execution (it stops after the batch in hand; one that has ended stays as it is)',
        params: gcId,
        response: { 200: noContent('Stopping'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'garbage-collection', 'stop');
      await gc.stop(request.params.gc_id);
      report(events, request, {
        operation: 'update',
        resourceType: 'garbage_collection',
        resource: `gc ${request.params.gc_id}`,
        description: 'stopped',
      });
      return empty(reply, 200);
    },
  );

  app.get(
    '/system/gc/:gc_id/log',
    {
      schema: {
        tags: ['gc'],
        summary: "A GC execution's log (text)",
        params: gcId,
        response: {
          200: { description: 'the log', content: { 'text/plain': { schema: Type.String() } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'garbage-collection', 'read');
      const log = await gc.log(request.params.gc_id);
      return reply.type('text/plain; charset=utf-8').send(log);
    },
  );

  app.get(
    '/system/gc/schedule',
    {
      schema: {
        tags: ['gc'],
        summary: "GC's schedule; no body when none is set (as Harbor)",
        response: {
          200: Type.Union([ref(GCHistory), Type.Unknown()], {
            description: 'the schedule, or an empty body when there is none',
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'garbage-collection', 'read');
      const schedule = await gcSchedules.get();
      return schedule ? scheduleHistory(schedule) : reply.code(200).send();
    },
  );

  for (const method of ['POST', 'PUT'] as const) {
    app.route({
      method,
      url: '/system/gc/schedule',
      schema: {
        tags: ['gc'],
        summary:
          method === 'POST'
            ? 'Run GC now (Manual; Location names the run), schedule it (Hourly, Daily, Weekly, Custom with a 6-field cron, in UTC; replaces a schedule) or remove the schedule (None)'
            : "Change GC's schedule (as POST; Manual also runs it now)",
        body: ref(Schedule),
        response: {
          [method === 'POST' ? 201 : 200]: noContent(method === 'POST' ? 'Done' : 'Changed'),
          ...errorResponses,
        },
      },
      handler: async (request, reply) => {
        requireSystemAccess(request, 'garbage-collection', method === 'POST' ? 'create' : 'update');
        const { type, cron } = request.body.schedule;
        const id = await gcSchedules.apply({ type, cron, parameters: requested(request.body.parameters) });
        report(events, request, {
          operation: type === 'Manual' ? 'create' : type === 'None' ? 'delete' : 'update',
          resourceType: 'garbage_collection',
          resource: type === 'Manual' ? `gc ${id}` : 'gc schedule',
          description: type === 'Manual' ? 'started' : type === 'None' ? 'removed' : `${type} ${cron ?? ''}`,
        });
        const location = id !== undefined && method === 'POST' ? `/api/v2.0/system/gc/${id}` : undefined;
        return empty(reply, method === 'POST' ? 201 : 200, location);
      },
    });
  }
};
