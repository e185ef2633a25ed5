import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { type Database, prepared, type RobotTable } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import {
  allOf,
  containsText,
  type Field,
  type Filters,
  filterConditions,
  type Sort,
  type Term,
  termCondition,
} from '../query.js';
import {
  type Robot,
  type RobotField,
  type RobotLevel,
  type RobotPermission,
  robotPrefix,
} from './robot.model.js';

type Db = Kysely<Database>;
type Row = Omit<RobotTable, 'id' | 'description' | 'disabled' | 'credential_version'> & {
  id: number;
  description: string;
  disabled: number;
  credential_version: number;
};

const toRobot = (row: Row): Robot => {
  const expires = Number(row.expires_at);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    level: row.level,
    projectId: row.project_id,
    permissions: JSON.parse(row.permissions) as RobotPermission[],
    duration: row.duration_days,
    expiresAt: expires === -1 ? undefined : new Date(expires * 1000),
    disabled: Number(row.disabled) === 1,
    credentialVersion: Number(row.credential_version),
    creatorId: row.creator_id,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
};

/** Epoch seconds as stored, -1 for never. */
const expiresColumn = (expiresAt: Date | undefined) =>
  expiresAt === undefined ? -1 : Math.floor(expiresAt.getTime() / 1000);

/** The secret's hash of the robot and the robot, for a sign-in (this is the hot path: one prepared query). */
const byName = prepared((db: Db, name: string) =>
  db.selectFrom('robots').selectAll().where('name', '=', name),
);
const byId = prepared((db: Db, id: number) => db.selectFrom('robots').selectAll().where('id', '=', id));

export async function robotById(db: Db, id: number): Promise<Robot | undefined> {
  const row = (await byId(db, id))[0];
  return row && toRobot(row);
}

export async function robotByName(db: Db, name: string): Promise<Robot | undefined> {
  const row = (await byName(db, name))[0];
  return row && toRobot(row);
}

export async function credentialsOf(
  db: Db,
  name: string,
): Promise<{ robot: Robot; secretHash: string } | undefined> {
  const row = (await byName(db, name))[0];
  return row && { robot: toRobot(row), secretHash: row.secret_hash };
}

export async function insertRobot(
  db: Db,
  robot: Omit<Robot, 'id' | 'disabled' | 'credentialVersion' | 'createdAt' | 'updatedAt'> & {
    disabled: boolean;
    secretHash: string;
    now: number;
  },
): Promise<Robot | undefined> {
  const row = await db
    .insertInto('robots')
    .values({
      name: robot.name,
      description: robot.description,
      level: robot.level,
      project_id: robot.projectId,
      secret_hash: robot.secretHash,
      permissions: JSON.stringify(robot.permissions),
      duration_days: robot.duration,
      expires_at: expiresColumn(robot.expiresAt),
      disabled: robot.disabled ? 1 : 0,
      creator_id: robot.creatorId,
      created_at: robot.now,
      updated_at: robot.now,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toRobot(row);
}

/** Changes what is given; the credential version rises (tokens issued before stop working). */
export async function updateRobot(
  db: Db,
  id: number,
  changes: {
    description?: string | undefined;
    disabled?: boolean | undefined;
    permissions?: readonly RobotPermission[] | undefined;
    duration?: { days: number; expiresAt: Date | undefined } | undefined;
    secretHash?: string | undefined;
  },
  now: number,
): Promise<void> {
  await db
    .updateTable('robots')
    .set((eb) => ({
      credential_version: eb('credential_version', '+', 1),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
      ...(changes.permissions ? { permissions: JSON.stringify(changes.permissions) } : {}),
      ...(changes.duration
        ? { duration_days: changes.duration.days, expires_at: expiresColumn(changes.duration.expiresAt) }
        : {}),
      ...(changes.secretHash !== undefined ? { secret_hash: changes.secretHash } : {}),
      updated_at: now,
    }))
    .where('id', '=', id)
    .execute();
}

export async function deleteRobot(db: Db, id: number): Promise<void> {
  await db.deleteFrom('robots').where('id', '=', id).execute();
}

const fields: Readonly<Partial<Record<RobotField, Field>>> = {
  id: { column: 'robots.id', type: 'integer' },
  description: { column: 'robots.description', type: 'text' },
  duration: { column: 'robots.duration_days', type: 'integer' },
  // Harbor's expiresat is epoch seconds, as stored.
  expiresAt: { column: 'robots.expires_at', type: 'integer' },
  disabled: { column: 'robots.disabled', type: 'flag' },
  createdAt: { column: 'robots.created_at', type: 'time' },
  updatedAt: { column: 'robots.updated_at', type: 'time' },
};

const sortColumns: Readonly<Record<RobotField, string>> = {
  id: 'robots.id',
  name: 'robots.name',
  description: 'robots.description',
  duration: 'robots.duration_days',
  expiresAt: 'robots.expires_at',
  disabled: 'robots.disabled',
  createdAt: 'robots.created_at',
  updatedAt: 'robots.updated_at',
};

/**
 * Harbor keeps names without the `robot$` prefix and matches `q=name=…` on that: an exact name is
 * found with or without the prefix, a fuzzy one anywhere in it.
 */
function name(term: Term): Expression<SqlBool> {
  const both = (v: string) => [v, v.startsWith(robotPrefix) ? v : `${robotPrefix}${v}`];
  switch (term.kind) {
    case 'exact':
      return sql<SqlBool>`robots.name in (${sql.join(both(term.value))})`;
    case 'fuzzy':
      return containsText('robots.name', term.value);
    case 'anyOf':
      return term.values.length === 0
        ? sql<SqlBool>`1 = 0`
        : sql<SqlBool>`robots.name in (${sql.join(term.values.flatMap(both))})`;
    default:
      return termCondition({ column: 'robots.name', type: 'text' }, 'name', term);
  }
}

export interface RobotListQuery extends PageRequest {
  /** System robots, or the robots of one project. */
  readonly scope:
    | { readonly level: 'system' }
    | { readonly level: 'project'; readonly projectId: number }
    | undefined;
  readonly filters: Filters<RobotField>;
  readonly sorts: readonly Sort<RobotField>[];
}

/** One page of the robots of the scope (all, for undefined) matching the filters, by name unless sorted otherwise. */
export async function listRobots(db: Db, query: RobotListQuery): Promise<Listed<Robot>> {
  const conditions = filterConditions(query.filters, fields, { name });
  let base = db.selectFrom('robots').where(allOf(conditions));
  if (query.scope?.level === 'system') base = base.where('level', '=', 'system' satisfies RobotLevel);
  if (query.scope?.level === 'project')
    base = base.where('level', '=', 'project').where('project_id', '=', query.scope.projectId);
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'name' as const, desc: false }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll('robots');
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(sortColumns[sort.field]), sort.desc ? 'desc' : 'asc');
    return (await ordered.orderBy('robots.id').execute()).map(toRobot);
  });
}
