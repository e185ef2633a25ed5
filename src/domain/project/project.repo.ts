import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Database, ProjectTable } from '../../db/index.js';
import { prepared } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { containsText, type Field, type Filters, filterConditions, type Sort, type Term } from '../query.js';
import { insertQuota } from '../quota/index.js';
import type { Project, ProjectField, ProjectMetadata, Visibility } from './project.model.js';
import { ProjectRole } from './roles.js';

type Db = Kysely<Database>;
type Row = Selectable<ProjectTable>;

const toProject = (row: Row): Project => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  public: row.public === 1,
  metadata: JSON.parse(row.metadata) as ProjectMetadata,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

const byName = prepared((db: Db, name: string) =>
  db.selectFrom('projects').selectAll().where('name', '=', name),
);
const byId = prepared((db: Db, id: number) => db.selectFrom('projects').selectAll().where('id', '=', id));

export async function projectByName(db: Db, name: string): Promise<Project | undefined> {
  const row = (await byName(db, name))[0];
  return row && toProject(row);
}

export async function projectById(db: Db, id: number): Promise<Project | undefined> {
  const row = (await byId(db, id))[0];
  return row && toProject(row);
}

/** Stores a new project with its owner as project admin; undefined when the name is taken. */
export async function insertProject(
  db: Db,
  project: { name: string; ownerId: number; metadata: ProjectMetadata; storageLimit: number; now: number },
): Promise<Project | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('projects')
      .values({
        name: project.name,
        owner_id: project.ownerId,
        public: project.metadata.public === 'true' ? 1 : 0,
        metadata: JSON.stringify(project.metadata),
        created_at: project.now,
        updated_at: project.now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await tx
      .insertInto('project_members')
      .values({
        project_id: row.id,
        entity_type: 'u',
        entity_id: project.ownerId,
        role: ProjectRole.projectAdmin,
        created_at: project.now,
        updated_at: project.now,
      })
      .execute();
    await insertQuota(tx, row.id, project.storageLimit, project.now);
    return toProject(row);
  });
}

export async function updateProject(
  db: Db,
  id: number,
  changes: { metadata: ProjectMetadata; now: number },
): Promise<void> {
  await db
    .updateTable('projects')
    .set({
      metadata: JSON.stringify(changes.metadata),
      public: changes.metadata.public === 'true' ? 1 : 0,
      updated_at: changes.now,
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes the project with its own labels (global labels stay). */
export async function deleteProject(db: Db, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('labels').where('scope', '=', 'p').where('project_id', '=', id).execute();
    await tx.deleteFrom('projects').where('id', '=', id).execute();
  });
}

/** Public projects, those the user is a member of, those a robot's permissions name. */
export function visibleCondition(table: 'projects' | 'p', visibility: Visibility): Expression<SqlBool> {
  const ref = (column: string) => sql.ref(`${table}.${column}`);
  if (visibility.projectNames === '*') return sql<SqlBool>`1 = 1`;
  const parts: Expression<SqlBool>[] = [sql<SqlBool>`${ref('public')} = 1`];
  if (visibility.userId !== undefined)
    parts.push(sql<SqlBool>`exists (select 1 from project_members pm
      where pm.project_id = ${ref('id')} and pm.entity_type = 'u' and pm.entity_id = ${visibility.userId})`);
  if (visibility.projectIds && visibility.projectIds.length > 0)
    parts.push(sql<SqlBool>`${ref('id')} in (${sql.join([...visibility.projectIds])})`);
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

const fields: Readonly<Partial<Record<ProjectField, Field>>> = {
  id: { column: 'projects.id', type: 'integer' },
  name: { column: 'projects.name', type: 'text' },
  ownerId: { column: 'projects.owner_id', type: 'integer' },
  createdAt: { column: 'projects.created_at', type: 'time' },
  updatedAt: { column: 'projects.updated_at', type: 'time' },
  public: { column: 'projects.public', type: 'flag' },
};

const sortColumns: Readonly<Record<ProjectField, string>> = {
  id: 'projects.id',
  name: 'projects.name',
  ownerId: 'projects.owner_id',
  createdAt: 'projects.created_at',
  updatedAt: 'projects.updated_at',
  public: 'projects.public',
  owner: 'projects.owner_id',
};

export interface ProjectListQuery extends PageRequest {
  readonly filters: Filters<ProjectField>;
  /** Undefined: every project (administrators). */
  readonly visibility?: Visibility | undefined;
  readonly sorts: readonly Sort<ProjectField>[];
}

/** One page of the projects matching the filters that the caller can see, by name unless sorted otherwise. */
export async function listProjects(db: Db, query: ProjectListQuery): Promise<Listed<Project>> {
  const owner = (term: Term): Expression<SqlBool> =>
    term.kind === 'exact'
      ? sql<SqlBool>`projects.owner_id in (select id from users where username = ${term.value})`
      : term.kind === 'fuzzy'
        ? sql<SqlBool>`projects.owner_id in (select id from users u where ${containsText('u.username', term.value)})`
        : sql<SqlBool>`1 = 0`;
  const conditions = filterConditions(query.filters, fields, { owner });
  if (query.visibility) conditions.push(visibleCondition('projects', query.visibility));
  const base = db
    .selectFrom('projects')
    .select('projects.id')
    .where((eb) => eb.and(conditions));
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'name' as const, desc: false }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll('projects');
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(sortColumns[sort.field]), sort.desc ? 'desc' : 'asc');
    const rows = await ordered.orderBy('projects.id').execute();
    return rows.map(toProject);
  });
}

/** The owners' names and repository counts of these projects, in two queries whatever their number. */
export async function projectDetails(
  db: Db,
  projects: readonly Project[],
): Promise<{ owners: Map<number, string>; repositories: Map<number, number> }> {
  if (projects.length === 0) return { owners: new Map(), repositories: new Map() };
  const [owners, counts] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', 'in', [...new Set(projects.map((p) => p.ownerId))])
      .execute(),
    db
      .selectFrom('repositories')
      .select(['project_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where(
        'project_id',
        'in',
        projects.map((p) => p.id),
      )
      .groupBy('project_id')
      .execute(),
  ]);
  return {
    owners: new Map(owners.map((o) => [o.id, o.username])),
    repositories: new Map(counts.map((c) => [c.project_id, Number(c.n)])),
  };
}

export async function memberCounts(db: Db, projectId: number): Promise<Record<number, number>> {
  const rows = await db
    .selectFrom('project_members')
    .select(['role', (eb) => eb.fn.countAll<number>().as('n')])
    .where('project_id', '=', projectId)
    .groupBy('role')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.role, Number(r.n)]));
}

/** The projects the user is a member of, with the role held in each. */
export async function membershipsOf(db: Db, userId: number): Promise<{ projectId: number; role: number }[]> {
  const rows = await db
    .selectFrom('project_members')
    .select(['project_id', 'role'])
    .where('entity_type', '=', 'u')
    .where('entity_id', '=', userId)
    .execute();
  return rows.map((r) => ({ projectId: r.project_id, role: r.role }));
}

export interface Statistics {
  readonly privateProjects: number;
  readonly publicProjects: number;
  readonly privateRepositories: number;
  readonly publicRepositories: number;
  readonly totalProjects: number;
  readonly totalRepositories: number;
  readonly storageBytes: number;
}

/**
 * Counts of projects and repositories, private ones among those the caller can see (all, for
 * undefined visibility), public ones, the totals and the bytes stored.
 */
export async function statistics(db: Db, visibility: Visibility | undefined): Promise<Statistics> {
  const count = async (query: { executeTakeFirst(): Promise<{ n: number | string | bigint } | undefined> }) =>
    Number((await query.executeTakeFirst())?.n ?? 0);
  const n = sql<number>`count(*)`.as('n');
  const visible = (isPublic: boolean) =>
    isPublic || !visibility ? sql<SqlBool>`1 = 1` : visibleCondition('p', visibility);
  const projectsBy = (isPublic: boolean) =>
    count(
      db
        .selectFrom('projects as p')
        .select(n)
        .where('p.public', '=', isPublic ? 1 : 0)
        .where(visible(isPublic)),
    );
  const repositoriesBy = (isPublic: boolean | undefined) => {
    let query = db
      .selectFrom('repositories as r')
      .innerJoin('projects as p', 'p.id', 'r.project_id')
      .select(n);
    if (isPublic !== undefined)
      query = query.where('p.public', '=', isPublic ? 1 : 0).where(visible(isPublic));
    return count(query);
  };
  const [
    privateProjects,
    publicProjects,
    privateRepositories,
    publicRepositories,
    totalRepositories,
    totalProjects,
    storageBytes,
  ] = await Promise.all([
    projectsBy(false),
    projectsBy(true),
    repositoriesBy(false),
    repositoriesBy(true),
    count(db.selectFrom('repositories').select(n)),
    count(db.selectFrom('projects').select(n)),
    count(
      db
        .selectFrom('blobs')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('n')),
    ),
  ]);
  return {
    privateProjects,
    publicProjects,
    privateRepositories,
    publicRepositories,
    totalProjects,
    totalRepositories,
    storageBytes,
  };
}

/** How many repositories the project holds (an index range on repositories.project_id). */
export async function repositoryCount(db: Db, projectId: number): Promise<number> {
  const row = await db
    .selectFrom('repositories')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
