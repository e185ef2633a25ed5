import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import type { SystemResource } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { RunField, StoredSchedule, SystemJob, SystemJobSchedules, SystemRun } from '../jobs/index.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { errorResponses, ref, Schedule } from './schemas/index.js';

/** One kind of system job as Harbor's API shows it (GC under /system/gc, the audit purge under /system/purgeaudit). */
export interface SystemRunApi<P, R> {
  readonly path: string;
  /** The id parameter's name in Harbor's paths (`gc_id`, `purge_id`). */
  readonly idParam: string;
  readonly tag: string;
  readonly what: string;
  readonly resource: SystemResource;
  /** Harbor's job_name (the vendor type). */
  readonly jobName: string;
  /** The history schema (GCHistory, ExecHistory). */
  readonly schema: TSchema;
  readonly service: SystemJob<P, R>;
  readonly schedules: SystemJobSchedules<P>;
  /** What job_parameters holds for a run: its parameters and what it did, in Harbor's words. */
  readonly shown: (run: SystemRun<P, R>) => Record<string, unknown>;
  /** The parameters of a schedule request's body, read as Harbor reads them. */
  readonly requested: (parameters: Record<string, unknown> | undefined) => P;
  readonly events: EventSink;
}

/** Harbor Title-cases the trigger it shows as the schedule type (MANUAL → Manual). */
const titled = { MANUAL: 'Manual', SCHEDULE: 'Schedule' } as const;

/** Harbor's keys for executions. */
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

/** Go marshals a map with its keys sorted: job_parameters reads as Harbor's does. */
const sortedJson = (value: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));

/** The schedule as Harbor shows it: the cron as job_kind, the stored parameters as job_parameters. */
function scheduleHistory(schedule: StoredSchedule) {
  return {
    id: schedule.id,
    job_name: '',
    job_kind: schedule.cron,
    job_parameters: sortedJson({ ...schedule.parameters }),
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
 * Harbor's execution API of a system job (system administrators, and system robots holding the
 * resource's permission for the action): executions (paged, `q` on status and trigger), one
 * execution, its log, stopping it, and the schedule (Manual runs now, answering its Location; None
 * removes the schedule; the others replace it).
 */
export function systemRunRoutes<P, R>(api: SystemRunApi<P, R>): FastifyPluginAsyncTypebox {
  const history = (run: SystemRun<P, R>) => ({
    id: run.id,
    job_name: api.jobName,
    job_kind: run.trigger,
    job_parameters: sortedJson(api.shown(run)),
    schedule: { type: titled[run.trigger] },
    job_status: run.status,
    deleted: false,
    creation_time: run.createdAt.toISOString(),
    update_time: run.updatedAt.toISOString(),
  });
  const id = Type.Object({ [api.idParam]: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
  const idOf = (params: unknown) => (params as Record<string, number>)[api.idParam] as number;
  const byId = `${api.path}/:${api.idParam}`;

  return async (app) => {
    app.get(
      api.path,
      {
        schema: {
          tags: [api.tag],
          summary: `${api.what} executions, newest first`,
          description: 'q keys: job_status, job_kind (MANUAL, SCHEDULE), id, creation_time=[from~to]',
          querystring: Type.Object(PageQuery),
          response: { 200: Type.Array(api.schema), ...errorResponses },
        },
      },
      async (request, reply) => {
        requireSystemAccess(request, api.resource, 'list');
        const { page, page_size } = request.query;
        const { total, items } = await api.service.list({
          offset: (page - 1) * page_size,
          limit: page_size,
          filters: filtersOf(request.query.q, runKeys),
          sorts: sortsOf(request.query.sort, runKeys),
        });
        pageHeaders(request, reply, request.query, total);
        return items.map(history);
      },
    );

    app.get(
      byId,
      {
        schema: {
          tags: [api.tag],
          summary: `One ${api.what} execution`,
          params: id,
          response: { 200: api.schema, ...errorResponses },
        },
      },
      async (request) => {
        requireSystemAccess(request, api.resource, 'read');
        return history(await api.service.get(idOf(request.params)));
      },
    );

    app.put(
      byId,
      {
        schema: {
          tags: [api.tag],
          summary: `Stop a ${api.what} execution (after the batch in hand; one that has ended stays as it is)`,
          params: id,
          response: { 200: noContent('Stopping'), ...errorResponses },
        },
      },
      async (request, reply) => {
        requireSystemAccess(request, api.resource, 'stop');
        await api.service.stop(idOf(request.params));
        report(api.events, request, {
          operation: 'update',
          resourceType: 'system_job',
          resource: `${api.jobName} ${idOf(request.params)}`,
          description: 'stopped',
        });
        return empty(reply, 200);
      },
    );

    app.get(
      `${byId}/log`,
      {
        schema: {
          tags: [api.tag],
          summary: `A ${api.what} execution's log (text)`,
          params: id,
          response: {
            200: { description: 'the log', content: { 'text/plain': { schema: Type.String() } } },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        requireSystemAccess(request, api.resource, 'read');
        const log = await api.service.log(idOf(request.params));
        return reply.type('text/plain; charset=utf-8').send(log);
      },
    );

    app.get(
      `${api.path}/schedule`,
      {
        schema: {
          tags: [api.tag],
          summary: `The ${api.what} schedule; no body when none is set (as Harbor)`,
          response: {
            200: Type.Union([api.schema, Type.Unknown()], {
              description: 'the schedule, or an empty body when there is none',
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        requireSystemAccess(request, api.resource, 'read');
        const schedule = await api.schedules.get();
        return schedule ? scheduleHistory(schedule) : reply.code(200).send();
      },
    );

    for (const method of ['POST', 'PUT'] as const) {
      app.route({
        method,
        url: `${api.path}/schedule`,
        schema: {
          tags: [api.tag],
          summary:
            method === 'POST'
              ? `Run ${api.what} now (Manual; Location names the run), schedule it (Hourly, Daily, Weekly, Custom with a 6-field cron, in UTC; replaces a schedule) or remove the schedule (None)`
              : `Change the ${api.what} schedule (as POST; Manual also runs it now)`,
          body: ref(Schedule),
          response: {
            [method === 'POST' ? 201 : 200]: noContent(method === 'POST' ? 'Done' : 'Changed'),
            ...errorResponses,
          },
        },
        handler: async (request, reply) => {
          requireSystemAccess(request, api.resource, method === 'POST' ? 'create' : 'update');
          const { type, cron } = request.body.schedule;
          const run = await api.schedules.apply(
            type,
            cron,
            type === 'None' ? (undefined as P) : api.requested(request.body.parameters),
          );
          report(api.events, request, {
            operation: type === 'Manual' ? 'create' : type === 'None' ? 'delete' : 'update',
            resourceType: 'system_job',
            resource: type === 'Manual' ? `${api.jobName} ${run}` : `${api.jobName} schedule`,
            description:
              type === 'Manual' ? 'started' : type === 'None' ? 'removed' : `${type} ${cron ?? ''}`,
          });
          const location = run !== undefined && method === 'POST' ? `/api/v2.0${api.path}/${run}` : undefined;
          return empty(reply, method === 'POST' ? 201 : 200, location);
        },
      });
    }
  };
}
