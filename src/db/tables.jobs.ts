import type { Generated } from 'kysely';

/** The job queue, schedules, system runs with their logs, and named leases. */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** JSON. */
  payload: string;
  /** At most one waiting (queued) job per key (a scan of one digest, say). */
  dedupe_key: string | null;
  status: JobStatus;
  attempts: Generated<number>;
  max_attempts: number;
  /** Epoch ms: not before. */
  run_after: number;
  /** Epoch ms: a running job whose lease ends is taken again (its worker died). */
  lease_until: number | null;
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** The run a job belongs to (`scan-all <execution id>`): stopping the run cancels its queued jobs. */
  batch: string | null;
}

/**
 * Scheduled work, one row per kind (`SCAN_ALL`, `GARBAGE_COLLECTION`): Harbor's schedule with its cron
 * type and 6-field cron, and the parameters a fire runs with (JSON).
 */
export interface ScheduleTable {
  id: Generated<number>;
  vendor_type: string;
  /** Hourly, Daily, Weekly, Custom or Schedule. */
  cron_type: string;
  cron: string;
  parameters: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

/** One run of a system job (Harbor's GC or audit-log purge execution). */
export interface SystemRunTable {
  id: Generated<number>;
  /** GARBAGE_COLLECTION, PURGE_AUDIT_LOG or RETENTION. */
  vendor: string;
  /** What the run belongs to, when its vendor has several (a retention policy's id). */
  ref_id: number | null;
  /** MANUAL or SCHEDULE. */
  trigger: string;
  /** JSON: what the run was asked to do. */
  parameters: string;
  /** Pending, Running, Success, Error or Stopped. */
  status: string;
  /** A scheduled run's fire time, unique per vendor: one run per fire, whichever replica fires. */
  fire_key: string | null;
  /** JSON: what the run did (GC: purged_blobs, purged_manifests, freed_space; purge: purged). */
  result: Generated<string>;
  created_at: number;
  updated_at: number;
  stopped_at: number | null;
}

/** The log of a run (GC, retention task …), kept in the database so that every replica can show it. */
export interface ExecutionLogTable {
  vendor: string;
  execution_id: number;
  seq: number;
  text: string;
}

/** A named lease: work one process at a time may do, held by `owner` until `until` unless renewed. */
export interface LeaseTable {
  name: string;
  owner: string;
  until: number;
}
