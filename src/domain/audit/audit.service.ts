import type { Dialect } from '../../db/index.js';
import type { ServiceContext } from '../context.js';
import type { DomainEvent } from '../events.js';
import type { Listed } from '../pagination.js';
import type { AuditRecord } from './audit.model.js';
import { type AuditListQuery, insertRecords, listRecords, projectIds, purgeBefore } from './audit.repo.js';

export interface AuditOptions {
  readonly dialect: Dialect;
  /** Records older than this are removed; 0 keeps them forever. */
  readonly retentionDays: number;
  /** Events are written in batches at most this long after they happen. */
  readonly flushMs: number;
}

const batchSize = 500;
const purgeEveryMs = 3_600_000;

/**
 * The audit log. Events are buffered and written in batches (a pull-heavy registry would otherwise
 * write a row inside every manifest GET); close() writes what is left. Old records are purged as the
 * retention setting says.
 */
export class AuditService {
  private buffer: DomainEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastPurge = 0;

  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
    private readonly options: AuditOptions,
  ) {}

  readonly record = (event: DomainEvent): void => {
    this.buffer.push(event);
    if (this.buffer.length >= batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  };

  /** Writes every buffered event; resolves once they are in the database. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.buffer;
    this.buffer = [];
    this.writing = this.writing
      .then(() => this.write(events))
      .catch((error: unknown) => {
        this.ctx.logger.error(
          { module: 'audit', err: error, lost: events.length },
          'failed to write audit records',
        );
      });
    return this.writing;
  }

  private async write(events: readonly DomainEvent[]): Promise<void> {
    const names = [...new Set(events.map((e) => e.projectName).filter((n): n is string => n !== undefined))];
    const ids = await projectIds(this.ctx.db, names);
    await insertRecords(
      this.ctx.db,
      this.options.dialect,
      events.map((e) => ({
        operator: e.operator,
        resource_type: e.resourceType,
        resource: e.resource,
        operation: e.operation,
        result: e.success ? 1 : 0,
        project_id: e.projectName ? (ids.get(e.projectName) ?? null) : null,
        description: e.description ?? '',
        op_time: e.time,
      })),
    );
    const now = this.ctx.now();
    if (this.options.retentionDays > 0 && now - this.lastPurge > purgeEveryMs) {
      this.lastPurge = now;
      await purgeBefore(this.ctx.db, now - this.options.retentionDays * 86_400_000);
    }
  }

  /** One page of the log (what is buffered is written first, so a record is listed as soon as it happened). */
  async list(query: AuditListQuery): Promise<Listed<AuditRecord>> {
    await this.flush();
    return listRecords(this.ctx.db, query);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
