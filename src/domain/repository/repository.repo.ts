import { type Kysely, sql } from 'kysely';
import { type Database, prepared } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { projectNameOf } from '../project/index.js';

type Db = Kysely<Database>;

const projectIdQuery = prepared((db: Db, name: string) =>
  db.selectFrom('projects').select('id').where('name', '=', name),
);

/** Refuses (NAME_UNKNOWN) a push to a repository whose project does not exist, before any byte is taken. */
export async function requireProject(db: Db, repository: string): Promise<void> {
  const project = projectNameOf(repository);
  if ((await projectIdQuery(db, project)).length === 0)
    throw new BerthError('NAME_UNKNOWN', `project ${project} does not exist; create it before pushing`);
}

const repositoryIdQuery = prepared((db: Db, name: string) =>
  db.selectFrom('repositories').select('id').where('name', '=', name),
);

export async function findRepositoryId(db: Db, name: string): Promise<number | undefined> {
  return (await repositoryIdQuery(db, name))[0]?.id;
}

/**
 * The repository's id, created on first use in the project its name names; safe when two requests
 * create it at once. A project that does not exist is NAME_UNKNOWN: nothing is pushed outside one.
 */
export async function ensureRepository(db: Db, name: string, now: number): Promise<number> {
  const existing = await findRepositoryId(db, name);
  if (existing !== undefined) return existing;
  const project = projectNameOf(name);
  await db
    .insertInto('repositories')
    .columns(['name', 'project_id', 'created_at', 'updated_at'])
    .expression(
      db
        .selectFrom('projects')
        .select([
          sql<string>`cast(${name} as text)`.as('name'),
          'id',
          sql<number>`cast(${now} as bigint)`.as('created_at'),
          sql<number>`cast(${now} as bigint)`.as('updated_at'),
        ])
        .where('name', '=', project),
    )
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const id = await findRepositoryId(db, name);
  if (id === undefined)
    throw new BerthError('NAME_UNKNOWN', `project ${project} does not exist; create it before pushing`);
  return id;
}

/** Repository names after `last`, in byte order, at most `limit` of them. */
export async function listRepositoryNames(
  db: Db,
  last: string | undefined,
  limit: number,
): Promise<string[]> {
  let query = db.selectFrom('repositories').select('name').orderBy('name').limit(limit);
  if (last !== undefined) query = query.where('name', '>', last);
  return (await query.execute()).map((r) => r.name);
}

/**
 * Records a push into the repository as its last change, to the second: a repository taking many
 * pushes a second has its row written once a second, not by every push (on PostgreSQL an update
 * holds the row until its transaction ends, which would make concurrent pushes wait in line).
 */
export async function touchRepository(db: Db, repositoryId: number, now: number): Promise<void> {
  await touchQuery(db, now, repositoryId, now - 1000);
}

const touchQuery = prepared((db: Db, now: number, repositoryId: number, before: number) =>
  db
    .updateTable('repositories')
    .set({ updated_at: now })
    .where('id', '=', repositoryId)
    .where('updated_at', '<', before),
);
