import { Type } from '@sinclair/typebox';
import { ref, time } from './common.js';
import { ScheduleObj } from './scan.js';

/** Harbor's GCHistory: a GC execution (or, from GET /system/gc/schedule, the schedule). */
export const GCHistory = Type.Object(
  {
    id: Type.Integer(),
    job_name: Type.String({ description: 'GARBAGE_COLLECTION for an execution; empty for the schedule' }),
    job_kind: Type.String({ description: 'MANUAL or SCHEDULE for an execution; the cron for the schedule' }),
    job_parameters: Type.String({
      description:
        'JSON: delete_untagged, dry_run, workers, time_window (hours), and what the run freed (purged_blobs, purged_manifests, freed_space in bytes)',
    }),
    schedule: ref(ScheduleObj),
    job_status: Type.String({ description: 'Pending, Running, Success, Error or Stopped' }),
    deleted: Type.Boolean(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'GCHistory' },
);

/** Harbor's ExecHistory: an audit-log purge execution (or, from its schedule endpoint, the schedule). */
export const ExecHistory = Type.Object(
  {
    id: Type.Integer(),
    job_name: Type.String({ description: 'PURGE_AUDIT_LOG for an execution; empty for the schedule' }),
    job_kind: Type.String({ description: 'MANUAL or SCHEDULE for an execution; the cron for the schedule' }),
    job_parameters: Type.String({
      description: 'JSON: audit_retention_hour, include_operations, dry_run, and purged (rows)',
    }),
    schedule: ref(ScheduleObj),
    job_status: Type.String({ description: 'Pending, Running, Success, Error or Stopped' }),
    deleted: Type.Boolean(),
    creation_time: time,
    update_time: time,
  },
  { $id: 'ExecHistory' },
);
