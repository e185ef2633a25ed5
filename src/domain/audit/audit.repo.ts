import { type Insertable, type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import type { AuditLogTable, Database, Dialect } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { type Field, type Filters, filterConditions, type Sort } from '../query.js';
import type { AuditField, AuditRecord } from './audit.model.js';

type Db = Kysely<Database>;

const toRecord = (row: Selectable<AuditLogTable>): AuditRecord => ({
  id: row.id,
  operator: row.operator,
  resourceType: row.resource_type,
  resource: row.resource,
  operation: row.operation,
  success: row.result === 1,
  projectId: row.project_id,
  description: row.description,
  time: new Date(Number(row.op_time)),
});

export type NewAuditRecord = Insertable<AuditLogTable>;

/** The ids of the named projects (events name them; records keep the id). */
export async function projectIds(db: Db, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom('projects')
    .select(['id', 'name'])
    .where('name', 'in', [...names])
    .execute();
  return new Map(rows.map((p) => [p.name, p.id]));
}

/**
 * One statement for a whole batch, with the rows as one JSON parameter: the SQL text never changes,
 * so neither database re-plans it and no query tree of thousands of values is built.
 */
export async function insertRecords(
  db: Db,
  dialect: Dialect,
  rows: readonly NewAuditRecord[],
): Promise<void> {
  if (rows.length === 0) return;
  await insertBatch(dialect, rows).execute(db);
}

function insertBatch(dialect: Dialect, rows: readonly NewAuditRecord[]): RawBuilder<unknown> {
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

export async function purgeBefore(db: Db, time: number): Promise<void> {
  await db.deleteFrom('audit_logs').where('op_time', '<', time).execute();
}

/**
 * Removes (or, for a dry run, counts) up to `limit` records older than `before` whose operation is
 * one of `operations`: a purge goes in batches so that no statement holds the table long.
 */
export async function purgeOperations(
  db: Db,
  before: number,
  operations: readonly string[],
  limit: number,
  dryRun: boolean,
): Promise<number> {
  if (operations.length === 0) return 0;
  const matching = db
    .selectFrom('audit_logs')
    .where('op_time', '<', before)
    .where(sql`lower(operation)`, 'in', operations);
  if (dryRun) {
    const row = await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
  const result = await db
    .deleteFrom('audit_logs')
    .where('id', 'in', matching.select('id').orderBy('id').limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

const fields: Readonly<Record<AuditField, Field>> = {
  id: { column: 'id', type: 'integer' },
  operator: { column: 'operator', type: 'text' },
  operation: { column: 'operation', type: 'text' },
  resourceType: { column: 'resource_type', type: 'text' },
  resource: { column: 'resource', type: 'text' },
  time: { column: 'op_time', type: 'time' },
  projectId: { column: 'project_id', type: 'integer' },
  description: { column: 'description', type: 'text' },
  success: { column: 'result', type: 'flag' },
};

export interface AuditListQuery extends PageRequest {
  readonly filters: Filters<AuditField>;
  readonly sorts: readonly Sort<AuditField>[];
  /** Only these projects' records (a non-administrator's view); undefined: all. */
  readonly projectIds?: readonly number[] | undefined;
}

/** One page of records, newest first unless sorted otherwise (the op_time and project indexes). */
export async function listRecords(db: Db, query: AuditListQuery): Promise<Listed<AuditRecord>> {
  const conditions = filterConditions(query.filters, fields);
  const scope = query.projectIds;
  const base = db
    .selectFrom('audit_logs')
    .select('id')
    .where((eb) => eb.and(conditions))
    .where(
      scope === undefined
        ? sql<SqlBool>`1 = 1`
        : scope.length > 0
          ? sql<SqlBool>`project_id in (${sql.join([...scope])})`
          : sql<SqlBool>`1 = 0`,
    );
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'time' as const, desc: true }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll();
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(fields[sort.field].column), sort.desc ? 'desc' : 'asc');
    const rows = await ordered.orderBy('id', sorts[sorts.length - 1]?.desc ? 'desc' : 'asc').execute();
    return rows.map(toRecord);
  });
}
