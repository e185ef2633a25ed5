import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Database, RepositoryTable } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { containsText, type Field, type Filters, filterConditions, type Sort, type Term } from '../query.js';
import type { Repository, RepositoryField, RepositoryMatch } from './repository.model.js';

type Db = Kysely<Database>;

const toRepository = (row: Selectable<RepositoryTable>, artifactCount: number): Repository => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  description: row.description,
  artifactCount,
  pullCount: Number(row.pull_count),
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

/**
 * Top-level artifact counts of these repositories: a count over the (repository, top-level) index
 * range of each, so the cost is that of reading their artifacts' index entries, never a table scan.
 */
export async function artifactCounts(db: Db, repositoryIds: readonly number[]): Promise<Map<number, number>> {
  if (repositoryIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifests')
    .select(['repository_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('repository_id', 'in', repositoryIds)
    .where('top_level', '=', 1)
    .groupBy('repository_id')
    .execute();
  return new Map(rows.map((r) => [r.repository_id, Number(r.n)]));
}

const fields: Readonly<Partial<Record<RepositoryField, Field>>> = {
  id: { column: 'r.id', type: 'integer' },
  projectId: { column: 'r.project_id', type: 'integer' },
  name: { column: 'r.name', type: 'text' },
  description: { column: 'r.description', type: 'text' },
  pullCount: { column: 'r.pull_count', type: 'integer' },
  createdAt: { column: 'r.created_at', type: 'time' },
  updatedAt: { column: 'r.updated_at', type: 'time' },
};

const sortColumns: Readonly<Record<RepositoryField, string>> = {
  id: 'r.id',
  projectId: 'r.project_id',
  name: 'r.name',
  description: 'r.description',
  pullCount: 'r.pull_count',
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
  blobDigest: 'r.id',
};

export interface RepositoryListQuery extends PageRequest {
  readonly filters: Filters<RepositoryField>;
  /** Only the repositories of this project (its index range). */
  readonly projectId?: number | undefined;
  /** A condition on the repository's project `p` (who may see it); none: every project. */
  readonly visible?: Expression<SqlBool> | undefined;
  readonly sorts: readonly Sort<RepositoryField>[];
}

/** One page of repositories, newest first unless sorted otherwise, each with its artifact count. */
export async function listRepositories(db: Db, query: RepositoryListQuery): Promise<Listed<Repository>> {
  const blobDigest = (term: Term): Expression<SqlBool> => {
    if (term.kind !== 'exact') return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`exists (select 1 from repository_blobs rb where rb.repository_id = r.id and rb.digest = ${term.value})`;
  };
  const conditions = filterConditions(query.filters, fields, { blobDigest });
  if (query.projectId !== undefined) conditions.push(sql<SqlBool>`r.project_id = ${query.projectId}`);
  if (query.visible) conditions.push(query.visible);
  const base = db
    .selectFrom('repositories as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select('r.id')
    .where((eb) => eb.and(conditions));
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'createdAt' as const, desc: true }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll('r');
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(sortColumns[sort.field]), sort.desc ? 'desc' : 'asc');
    const last = sorts[sorts.length - 1]?.desc ? 'desc' : 'asc';
    const rows = await ordered.orderBy('r.id', last).execute();
    const counts = await artifactCounts(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => toRepository(r, counts.get(r.id) ?? 0));
  });
}

export async function repositoryByName(db: Db, name: string): Promise<Repository | undefined> {
  const row = await db.selectFrom('repositories').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) return undefined;
  return toRepository(row, (await artifactCounts(db, [row.id])).get(row.id) ?? 0);
}

export async function setDescription(db: Db, repositoryId: number, description: string): Promise<void> {
  await db.updateTable('repositories').set({ description }).where('id', '=', repositoryId).execute();
}

/** The names of every tag in the repository. */
export async function tagNames(db: Db, repositoryId: number): Promise<string[]> {
  const rows = await db.selectFrom('tags').select('name').where('repository_id', '=', repositoryId).execute();
  return rows.map((r) => r.name);
}

/**
 * Removes the repository with every manifest, tag and blob link in it. Blob data stays for garbage
 * collection, whose window for each of its blobs starts over.
 */
export async function deleteRepositoryRows(db: Db, repositoryId: number, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('blobs')
      .set({ touched_at: now })
      .where('digest', 'in', (eb) =>
        eb.selectFrom('repository_blobs').select('digest').where('repository_id', '=', repositoryId),
      )
      .where('touched_at', '<', now)
      .where('deleting', '=', 0)
      .execute();
    await tx.deleteFrom('tags').where('repository_id', '=', repositoryId).execute();
    await tx.deleteFrom('manifests').where('repository_id', '=', repositoryId).execute();
    await tx.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).execute();
    await tx.deleteFrom('repositories').where('id', '=', repositoryId).execute();
  });
}

/** Repositories whose name contains the text, among those `visible` allows, by name, at most `limit`. */
export async function searchRepositories(
  db: Db,
  text: string,
  visible: Expression<SqlBool> | undefined,
  limit: number,
): Promise<RepositoryMatch[]> {
  const rows = await db
    .selectFrom('repositories as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select(['r.id', 'p.id as project_id', 'p.name as project_name', 'p.public', 'r.name', 'r.pull_count'])
    .where(containsText('r.name', text))
    .where(visible ?? sql<SqlBool>`1 = 1`)
    .orderBy('r.name')
    .limit(limit)
    .execute();
  const counts = await artifactCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    projectId: r.project_id,
    projectName: r.project_name,
    projectPublic: r.public === 1,
    name: r.name,
    pullCount: Number(r.pull_count),
    artifactCount: counts.get(r.id) ?? 0,
  }));
}
