import { purgeOperations } from '../../domain/audit/index.js';
import type { ServiceContext } from '../../domain/context.js';
import { type JobQueue, RunLog, SystemJob, type SystemRun } from '../../jobs/index.js';
import { BerthError } from '../../lib/errors.js';

/** Harbor's vendor type of audit-log purge executions and schedules. */
export const auditPurgeVendor = 'PURGE_AUDIT_LOG';
export const auditPurgeJob = 'purge-audit';

/** The operations a purge may remove records of: Harbor's (pull, create, delete) and Berth's others. */
const purgeable = ['pull', 'push', 'create', 'update', 'delete', 'login'] as const;

export interface AuditPurgeParameters {
  /** Records older than this many hours go (Harbor: -1 or 0 purges nothing). */
  readonly retentionHours: number;
  /** The operations whose records go (lower case; an empty list purges nothing). */
  readonly operations: readonly string[];
  readonly dryRun: boolean;
}

export interface AuditPurgeResult {
  readonly purged: number;
}

export type AuditPurgeRun = SystemRun<AuditPurgeParameters, AuditPurgeResult>;

const batch = 5000;

/**
 * Harbor's audit-log purge: removes the audit records older than `audit_retention_hour` whose
 * operation is one of `include_operations`, as a run with a log (manual or scheduled), in batches.
 * The standing retention (`audit.retentionDays`) goes on beside it.
 */
export class AuditPurgeService extends SystemJob<AuditPurgeParameters, AuditPurgeResult> {
  constructor(
    ctx: ServiceContext,
    deps: { readonly queue: JobQueue; readonly wake: () => void; readonly readOnly?: () => boolean },
  ) {
    super(ctx, deps, {
      vendor: auditPurgeVendor,
      job: auditPurgeJob,
      keep: 10,
      notFound: (id) => `purge audit log execution ${id} not found`,
    });
  }

  /**
   * Harbor's parameters, checked as Harbor checks them: `audit_retention_hour` a whole number,
   * `include_operations` a comma-separated string (unknown operations are dropped), `dry_run` a boolean.
   */
  parameters(given: Readonly<Record<string, unknown>> | undefined): AuditPurgeParameters {
    if (!given) throw new BerthError('INVALID_INPUT', "schedule parameter cann't be empty");
    const hours = given.audit_retention_hour;
    if (hours === undefined) throw new BerthError('INVALID_INPUT', 'audit_retention_hour should provide');
    const operations = given.include_operations;
    if (operations === undefined) throw new BerthError('INVALID_INPUT', 'include_operations should provide');
    if (typeof hours !== 'number' || !Number.isInteger(hours))
      throw new BerthError(
        'INVALID_INPUT',
        `failed to convert audit_retention_hour, error: ${JSON.stringify(hours)} is not a whole number`,
      );
    if (typeof operations !== 'string')
      throw new BerthError('INVALID_INPUT', 'include_operations must be a comma-separated string');
    return {
      retentionHours: hours,
      operations: operations
        .split(',')
        .map((o) => o.trim().toLowerCase())
        .filter((o): o is (typeof purgeable)[number] => (purgeable as readonly string[]).includes(o)),
      dryRun: given.dry_run === true,
    };
  }

  /** Harbor's parameters as stored with a schedule and shown in `job_parameters`. */
  static stored(p: AuditPurgeParameters): Record<string, unknown> {
    return {
      audit_retention_hour: p.retentionHours,
      dry_run: p.dryRun,
      include_operations: p.operations.join(','),
    };
  }

  protected fromSchedule(stored: Readonly<Record<string, unknown>>): AuditPurgeParameters {
    return this.parameters(stored);
  }

  protected async execute(run: AuditPurgeRun): Promise<void> {
    const log = await RunLog.open(this.runs, run.id, this.ctx.now);
    await this.runs.setStatus(run.id, 'Running', this.ctx.now());
    const p = run.parameters;
    try {
      log.line('Purge audit job start');
      log.line(
        `Purge operation parameter, renention_hour=${p.retentionHours}, include_operations:${p.operations.join(',')}, dry_run:${p.dryRun}`,
      );
      let purged = 0;
      if (p.retentionHours <= 0 || p.operations.length === 0)
        log.line(`quit purge job, retentionHour:${p.retentionHours}, operations:${p.operations.length}`);
      else {
        const before = this.ctx.now() - p.retentionHours * 3_600_000;
        for (;;) {
          const n = await purgeOperations(this.ctx.db, before, p.operations, batch, p.dryRun);
          purged += n;
          await this.runs.setResult(run.id, { purged }, this.ctx.now());
          if (p.dryRun || n < batch) break;
          if ((await this.runs.get(run.id))?.stoppedAt) {
            log.line(`Purged ${purged} rows of audit logs; stopped`);
            await log.flush();
            await this.runs.setStatus(run.id, 'Stopped', this.ctx.now());
            return;
          }
        }
      }
      log.line(`${p.dryRun ? '[DRYRUN]' : ''}Purged ${purged} rows of audit logs`);
      await log.flush();
      await this.runs.setStatus(run.id, 'Success', this.ctx.now());
    } catch (error) {
      log.line(`failed to purge audit log, error: ${error instanceof Error ? error.message : String(error)}`);
      await log.flush();
      await this.runs.setStatus(run.id, 'Error', this.ctx.now());
    }
  }
}
