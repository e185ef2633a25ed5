import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ScanAllSchedules, ScanAllService } from '../scan/index.js';
import { empty, noContent, report, requireSystemAccess } from './context.js';
import { scheduleResponse, statsResponse } from './presenters/scan.js';
import { errorResponses, ref, Schedule, Stats } from './schemas/index.js';

export interface ScanAllRoutesDeps {
  readonly scanAll: ScanAllService;
  readonly scanAllSchedules: ScanAllSchedules;
  readonly events: EventSink;
}

/**
 * Harbor's scan all (system administrators, and system robots with the scan-all permission for the
 * action): its schedule (`/system/scanAll/schedule`, stored in the
 * database and followed by every replica), a manual run (a schedule of type Manual, or Berth's
 * `/system/scanAll/now`), stopping the latest run and the progress of the latest runs. As Harbor,
 * every one of them answers 412 when no scanner is the default (after 401/403).
 */
export const scanAllRoutes: FastifyPluginAsyncTypebox<ScanAllRoutesDeps> = async (
  app,
  { scanAll, scanAllSchedules, events },
) => {
  const allowed = async (request: FastifyRequest, action: Action) => {
    requireSystemAccess(request, 'scan-all', action);
    await scanAll.requireScanner();
  };

  app.get(
    '/system/scanAll/schedule',
    {
      schema: {
        tags: ['scanAll'],
        summary: "The scan all's schedule; no body when none is set (as Harbor)",
        response: {
          200: Type.Union([ref(Schedule), Type.Unknown()], {
            description: 'the Schedule, or an empty body when there is none',
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      await allowed(request, 'read');
      const schedule = await scanAllSchedules.get();
      // go-swagger writes no body for a nil payload: Harbor's answer when nothing is scheduled.
      return schedule ? scheduleResponse(schedule) : reply.code(200).send();
    },
  );

  app.post(
    '/system/scanAll/schedule',
    {
      schema: {
        tags: ['scanAll'],
        summary:
          'Schedule the scan all (Hourly, Daily, Weekly, Custom or Schedule with a 6-field cron, in UTC), or run it now (Manual)',
        body: ref(Schedule),
        response: { 201: noContent('Scheduled, or started'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await allowed(request, 'create');
      const { type, cron } = request.body.schedule;
      await scanAllSchedules.create({ type, cron });
      if (type !== 'None')
        report(events, request, {
          operation: type === 'Manual' ? 'create' : 'update',
          resourceType: 'scanner',
          resource: type === 'Manual' ? 'scan all' : 'scan all schedule',
          description: type === 'Manual' ? 'started' : `${type} ${cron ?? ''}`,
        });
      return empty(reply, 201);
    },
  );

  app.put(
    '/system/scanAll/schedule',
    {
      schema: {
        tags: ['scanAll'],
        summary: "Change the scan all's schedule (None removes it)",
        body: ref(Schedule),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await allowed(request, 'update');
      const { type, cron } = request.body.schedule;
      await scanAllSchedules.update({ type, cron });
      report(events, request, {
        operation: type === 'None' ? 'delete' : 'update',
        resourceType: 'scanner',
        resource: 'scan all schedule',
        description: type === 'None' ? 'removed' : `${type} ${cron ?? ''}`,
      });
      return empty(reply, 200);
    },
  );

  app.post(
    '/system/scanAll/stop',
    {
      schema: {
        tags: ['scanAll'],
        summary:
          'Stop the latest scan all: its queued scans are taken off the queue; scans already running finish',
        response: { 202: noContent('Stopping'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await allowed(request, 'stop');
      await scanAll.stop();
      report(events, request, {
        operation: 'update',
        resourceType: 'scanner',
        resource: 'scan all',
        description: 'stopped',
      });
      return empty(reply, 202);
    },
  );

  app.post(
    '/system/scanAll/now',
    {
      schema: {
        tags: ['scanAll'],
        summary: 'Berth: scan every image and index in the registry now, each by its project scanner',
        response: { 202: noContent('Queued'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await allowed(request, 'create');
      await scanAll.start('MANUAL');
      report(events, request, {
        operation: 'create',
        resourceType: 'scanner',
        resource: 'scan all',
        description: 'started',
      });
      return empty(reply, 202);
    },
  );

  app.get(
    '/scans/all/metrics',
    {
      schema: {
        tags: ['scanAll'],
        summary: 'The progress of the latest scan all (manual or scheduled)',
        response: { 200: ref(Stats), ...errorResponses },
      },
    },
    async (request) => {
      await allowed(request, 'read');
      return statsResponse(await scanAll.progress());
    },
  );

  app.get(
    '/scans/schedule/metrics',
    {
      schema: {
        tags: ['scanAll'],
        summary: 'The progress of the latest scheduled scan all (deprecated in Harbor)',
        response: { 200: ref(Stats), ...errorResponses },
      },
    },
    async (request) => {
      await allowed(request, 'read');
      return statsResponse(await scanAll.progress('SCHEDULE'));
    },
  );
};
