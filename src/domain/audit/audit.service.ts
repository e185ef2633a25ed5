import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { AuditLog, AuditLogTable, Dialect } from '../../db/index.js';
import type { ServiceContext } from '../context.js';
import type { DomainEvent } from '../events.js';
import { countAndPage, type Listed } from '../pagination.js';
import { matchesText, type TextFilter } from '../query.js';

export interface AuditQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly projectId?: number | undefined;
  readonly operator?: string | undefined;
  readonly operation?: string | undefined;
  readonly resourceType?: string | undefined;
  readonly resource?: TextFilter | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly newestFirst: boolean;
}

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
    if (events.length > 0) {
      const names = [
        ...new Set(events.map((e) => e.projectName).filter((n): n is string => n !== undefined)),
      ];
      const projects = names.length
        ? await this.ctx.db.selectFrom('projects').select(['id', 'name']).where('name', 'in', names).execute()
        : [];
      const ids = new Map(projects.map((p) => [p.name, p.id]));
      const rows: Insertable<AuditLogTable>[] = events.map((e) => ({
        operator: e.operator,
        resource_type: e.resourceType,
        resource: e.resource,
        operation: e.operation,
        result: e.success ? 1 : 0,
        project_id: e.projectName ? (ids.get(e.projectName) ?? null) : null,
        description: e.description ?? '',
        op_time: e.time,
      }));
      await insertBatch(this.options.dialect, rows).execute(this.ctx.db);
    }
    const now = this.ctx.now();
    if (this.options.retentionDays > 0 && now - this.lastPurge > purgeEveryMs) {
      this.lastPurge = now;
      await this.ctx.db
        .deleteFrom('audit_logs')
        .where('op_time', '<', now - this.options.retentionDays * 86_400_000)
        .execute();
    }
  }

  async list(query: AuditQuery): Promise<Listed<AuditLog>> {
    await this.flush();
    let base = this.ctx.db.selectFrom('audit_logs');
    if (query.projectId !== undefined) base = base.where('project_id', '=', query.projectId);
    if (query.operator !== undefined) base = base.where('operator', '=', query.operator);
    if (query.operation !== undefined) base = base.where('operation', '=', query.operation);
    if (query.resourceType !== undefined) base = base.where('resource_type', '=', query.resourceType);
    if (query.resource) base = base.where(matchesText('resource', query.resource));
    if (query.from !== undefined) base = base.where('op_time', '>=', query.from);
    if (query.to !== undefined) base = base.where('op_time', '<=', query.to);
    const direction = query.newestFirst ? 'desc' : 'asc';
    return countAndPage(base, query, (q) =>
      q.selectAll().orderBy('op_time', direction).orderBy('id', direction).execute(),
    );
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/**
 * One statement for a whole batch, with the rows as one JSON parameter: the SQL text never changes,
 * so neither database re-plans it and no query tree of thousands of values is built.
 */
function insertBatch(dialect: Dialect, rows: readonly Insertable<AuditLogTable>[]): RawBuilder<unknown> {
  const json = JSON.stringify(rows);
  const columns = sql`(operator, resource_type, resource, operation, result, project_id, description, op_time)`;
  if (dialect === 'postgres') {
    return sql`insert into audit_logs ${columns} select * from json_to_recordset(${json}::json)
      as x(operator text, resource_type text, resource text, operation text, result integer, project_id integer, description text, op_time bigint)`;
  }
  return sql`insert into audit_logs ${columns}
    select json_extract(value, '$.operator'), json_extract(value, '$.resource_type'), json_extract(value, '$.resource'),
      json_extract(value, '$.operation'), json_extract(value, '$.result'), json_extract(value, '$.project_id'),
      json_extract(value, '$.description'), json_extract(value, '$.op_time')
    from json_each(${json})`;
}
