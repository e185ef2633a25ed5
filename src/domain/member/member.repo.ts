import { type Kysely, sql } from 'kysely';
import { type Database, type ProjectMemberTable, prepared } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import type { Member } from './member.model.js';

type Db = Kysely<Database>;
type Row = Omit<ProjectMemberTable, 'id'> & { id: number; entity_name: string | null };

const toMember = (row: Row): Member => ({
  id: row.id,
  projectId: row.project_id,
  entityType: row.entity_type,
  entityId: row.entity_id,
  entityName: row.entity_name ?? '',
  role: row.role,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

const withNames = (db: Db) =>
  db
    .selectFrom('project_members as pm')
    .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'pm.entity_id').on('pm.entity_type', '=', 'u'));

/** A page of the project's members, by name (Harbor's order); `entityName` keeps only that exact name. */
export async function listMembers(
  db: Db,
  projectId: number,
  query: PageRequest & { readonly entityName?: string | undefined },
): Promise<Listed<Member>> {
  let base = withNames(db).where('pm.project_id', '=', projectId);
  if (query.entityName !== undefined) base = base.where('u.username', '=', query.entityName);
  return countAndPage(base, query, async (q) =>
    (
      await q
        .selectAll('pm')
        .select('u.username as entity_name')
        .orderBy('u.username')
        .orderBy('pm.id')
        .execute()
    ).map(toMember),
  );
}

export async function memberById(db: Db, projectId: number, memberId: number): Promise<Member | undefined> {
  const row = await withNames(db)
    .selectAll('pm')
    .select('u.username as entity_name')
    .where('pm.project_id', '=', projectId)
    .where('pm.id', '=', memberId)
    .executeTakeFirst();
  return row && toMember(row);
}

/** The user's id and name, found by id or by name. */
export async function userOf(
  db: Db,
  by: { id: number } | { username: string },
): Promise<{ id: number; username: string } | undefined> {
  const query = db.selectFrom('users').select(['id', 'username']);
  return (
    'id' in by ? query.where('id', '=', by.id) : query.where('username', '=', by.username)
  ).executeTakeFirst();
}

/** Adds the user with the role; undefined when they are a member already. */
export async function insertUserMember(
  db: Db,
  member: { projectId: number; userId: number; role: number; now: number },
): Promise<number | undefined> {
  const row = await db
    .insertInto('project_members')
    .values({
      project_id: member.projectId,
      entity_type: 'u',
      entity_id: member.userId,
      role: member.role,
      created_at: member.now,
      updated_at: member.now,
    })
    .onConflict((oc) => oc.columns(['project_id', 'entity_type', 'entity_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/**
 * Changes a membership's role (`role`) or ends it (`undefined`); a user member's credential version
 * rises in the same transaction, so tokens granted under the old role stop working.
 */
export async function changeMember(
  db: Db,
  member: Member,
  role: number | undefined,
  now: number,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (role === undefined) await tx.deleteFrom('project_members').where('id', '=', member.id).execute();
    else
      await tx
        .updateTable('project_members')
        .set({ role, updated_at: now })
        .where('id', '=', member.id)
        .execute();
    if (member.entityType === 'u')
      await tx
        .updateTable('users')
        .set((eb) => ({ credential_version: eb('credential_version', '+', 1) }))
        .where('id', '=', member.entityId)
        .execute();
  });
}

// Asked on every request that touches a project: one prepared query (the constant is inlined, as
// prepared() binds only the arguments).
const rolesQuery = prepared((db: Db, projectId: number, userId: number) =>
  db
    .selectFrom('project_members')
    .select('role')
    .where('project_id', '=', projectId)
    .where('entity_type', '=', sql.lit('u'))
    .where('entity_id', '=', userId),
);

/** The roles the user holds in the project (empty when not a member). */
export async function rolesOf(db: Db, projectId: number, userId: number): Promise<number[]> {
  return (await rolesQuery(db, projectId, userId)).map((r) => r.role);
}

/** Whether the user holds the role in at least one project. */
export async function holdsRoleAnywhere(db: Db, userId: number, role: number): Promise<boolean> {
  const row = await db
    .selectFrom('project_members')
    .select('id')
    .where('entity_type', '=', 'u')
    .where('entity_id', '=', userId)
    .where('role', '=', role)
    .executeTakeFirst();
  return row !== undefined;
}
