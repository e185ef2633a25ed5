import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventSink } from '../domain/events.js';
import type { SystemJobSchedules } from '../jobs/index.js';
import { BerthError } from '../lib/errors.js';
import {
  type AuditPurgeParameters,
  AuditPurgeService,
  type GcParameters,
  type GcService,
} from '../lifecycle/index.js';
import { ExecHistory, GCHistory, ref } from './schemas/index.js';
import { systemRunRoutes } from './system-runs.routes.js';

export interface LifecycleRoutesDeps {
  readonly gc: GcService;
  readonly gcSchedules: SystemJobSchedules<GcParameters>;
  readonly auditPurge: AuditPurgeService;
  readonly auditPurgeSchedules: SystemJobSchedules<AuditPurgeParameters>;
  readonly events: EventSink;
}

/**
 * Harbor's GC parameters, read as Harbor reads them: `dry_run` and `delete_untagged` count only as
 * booleans, `workers` only as a number (a whole one, 1–5).
 */
function gcRequested(gc: GcService, parameters: Record<string, unknown> | undefined): GcParameters {
  const p = parameters ?? {};
  const workers = p.workers;
  if (typeof workers === 'number' && !Number.isInteger(workers))
    throw new BerthError('INVALID_INPUT', 'workers should be integer format');
  return gc.parameters({
    ...(typeof p.delete_untagged === 'boolean' ? { deleteUntagged: p.delete_untagged } : {}),
    ...(typeof p.dry_run === 'boolean' ? { dryRun: p.dry_run } : {}),
    ...(typeof workers === 'number' ? { workers } : {}),
  });
}

/** Harbor's garbage collection (`/system/gc`) and audit-log purge (`/system/purgeaudit`) APIs. */
export const lifecycleRoutes: FastifyPluginAsyncTypebox<LifecycleRoutesDeps> = async (app, deps) => {
  await app.register(
    systemRunRoutes({
      path: '/system/gc',
      idParam: 'gc_id',
      tag: 'gc',
      what: 'GC',
      resource: 'garbage-collection',
      jobName: 'GARBAGE_COLLECTION',
      schema: ref(GCHistory),
      service: deps.gc,
      schedules: deps.gcSchedules,
      shown: (run) => ({
        delete_untagged: run.parameters.deleteUntagged,
        dry_run: run.parameters.dryRun,
        workers: run.parameters.workers,
        time_window: run.parameters.timeWindowMinutes / 60,
        purged_blobs: run.result.purged_blobs ?? 0,
        purged_manifests: run.result.purged_manifests ?? 0,
        freed_space: run.result.freed_space ?? 0,
      }),
      requested: (parameters) => gcRequested(deps.gc, parameters),
      events: deps.events,
    }),
  );
  await app.register(
    systemRunRoutes({
      path: '/system/purgeaudit',
      idParam: 'purge_id',
      tag: 'purge',
      what: 'audit log purge',
      resource: 'purge-audit',
      jobName: 'PURGE_AUDIT_LOG',
      schema: ref(ExecHistory),
      service: deps.auditPurge,
      schedules: deps.auditPurgeSchedules,
      shown: (run) => ({ ...AuditPurgeService.stored(run.parameters), purged: run.result.purged ?? 0 }),
      requested: (parameters) => deps.auditPurge.parameters(parameters),
      events: deps.events,
    }),
  );
};
