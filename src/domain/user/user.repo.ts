import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { type Database, prepared, type UserTable } from '../../db/index.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import {
  allOf,
  containsText,
  type Field,
  type Filters,
  filterConditions,
  type Sort,
  type Term,
} from '../query.js';
import type { User, UserField } from './user.model.js';

type Db = Kysely<Database>;
export type UserRow = Omit<UserTable, 'id' | 'realname' | 'comment' | 'sysadmin' | 'credential_version'> & {
  id: number;
  realname: string;
  comment: string;
  sysadmin: number;
  credential_version: number;
};

/** Maps a `users` row (also for other repos that join it). */
export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  email: row.email,
  realname: row.realname,
  comment: row.comment,
  sysadmin: Number(row.sysadmin) === 1,
  credentialVersion: Number(row.credential_version),
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

const byId = prepared((db: Db, id: number) => db.selectFrom('users').selectAll().where('id', '=', id));
const byName = prepared((db: Db, username: string) =>
  db.selectFrom('users').selectAll().where('username', '=', username),
);

export async function userById(db: Db, id: number): Promise<User | undefined> {
  const row = (await byId(db, id))[0];
  return row && toUser(row);
}

export async function userByName(db: Db, username: string): Promise<User | undefined> {
  const row = (await byName(db, username))[0];
  return row && toUser(row);
}

/** The user and their password hash (null for users who sign in elsewhere), for a sign-in. */
export async function credentialsOf(
  db: Db,
  by: { id: number } | { username: string },
): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const row = ('id' in by ? await byId(db, by.id) : await byName(db, by.username))[0];
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Which of the name and the address another user holds already, if any. */
export async function takenBy(
  db: Db,
  username: string | undefined,
  email: string | undefined,
  except?: number,
): Promise<'username' | 'email' | undefined> {
  if (username === undefined && !email) return undefined;
  let query = db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) =>
      eb.or([
        ...(username !== undefined ? [eb('username', '=', username)] : []),
        ...(email ? [eb('email', '=', email)] : []),
      ]),
    );
  if (except !== undefined) query = query.where('id', '!=', except);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return row.username === username ? 'username' : 'email';
}

export async function insertUser(
  db: Db,
  user: {
    username: string;
    email: string | null;
    realname: string;
    comment: string;
    passwordHash: string | null;
    sysadmin: boolean;
    now: number;
  },
): Promise<User | undefined> {
  const row = await db
    .insertInto('users')
    .values({
      username: user.username,
      email: user.email,
      realname: user.realname,
      comment: user.comment,
      password_hash: user.passwordHash,
      sysadmin: user.sysadmin ? 1 : 0,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toUser(row);
}

const fields: Readonly<Partial<Record<UserField, Field>>> = {
  id: { column: 'users.id', type: 'integer' },
  username: { column: 'users.username', type: 'text' },
  email: { column: 'users.email', type: 'text' },
  realname: { column: 'users.realname', type: 'text' },
  comment: { column: 'users.comment', type: 'text' },
  sysadmin: { column: 'users.sysadmin', type: 'flag' },
  createdAt: { column: 'users.created_at', type: 'time' },
  updatedAt: { column: 'users.updated_at', type: 'time' },
};

const sortColumns: Readonly<Record<Exclude<UserField, 'usernameOrEmail'>, string>> = {
  id: 'users.id',
  username: 'users.username',
  email: 'users.email',
  realname: 'users.realname',
  comment: 'users.comment',
  sysadmin: 'users.sysadmin',
  createdAt: 'users.created_at',
  updatedAt: 'users.updated_at',
};

/** Harbor's `username_or_email`: the name or the address is the value (fuzzy: contains it). */
function usernameOrEmail(term: Term): Expression<SqlBool> {
  if (term.kind === 'exact')
    return sql<SqlBool>`(users.username = ${term.value} or users.email = ${term.value})`;
  if (term.kind === 'fuzzy')
    return sql<SqlBool>`(${containsText('users.username', term.value)} or ${containsText('users.email', term.value)})`;
  if (term.kind === 'anyOf')
    return term.values.length === 0
      ? sql<SqlBool>`1 = 0`
      : sql<SqlBool>`(users.username in (${sql.join([...term.values])}) or users.email in (${sql.join([...term.values])}))`;
  return sql<SqlBool>`1 = 0`;
}

export interface UserListQuery extends PageRequest {
  readonly filters: Filters<UserField>;
  readonly sorts: readonly Sort<Exclude<UserField, 'usernameOrEmail'>>[];
}

/** One page of the users matching the filters, by user name unless sorted otherwise (Harbor's default). */
export async function listUsers(db: Db, query: UserListQuery): Promise<Listed<User>> {
  const conditions = filterConditions(query.filters, fields, { usernameOrEmail });
  const base = db.selectFrom('users').select('users.id').where(allOf(conditions));
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'username' as const, desc: false }];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll('users');
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(sortColumns[sort.field]), sort.desc ? 'desc' : 'asc');
    return (await ordered.orderBy('users.id').execute()).map(toUser);
  });
}

export async function updateProfile(
  db: Db,
  id: number,
  profile: { email?: string | null | undefined; realname?: string | undefined; comment?: string | undefined },
  now: number,
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      ...(profile.email !== undefined ? { email: profile.email } : {}),
      ...(profile.realname !== undefined ? { realname: profile.realname } : {}),
      ...(profile.comment !== undefined ? { comment: profile.comment } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** Sets the administrator flag and raises the credential version (tokens naming the old one end). */
export async function setSysadmin(db: Db, id: number, sysadmin: boolean, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      sysadmin: sysadmin ? 1 : 0,
      credential_version: eb('credential_version', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', id)
    .execute();
}

/** A new password hash; the credential version rises and every portal session of the user ends. */
export async function setPassword(db: Db, id: number, passwordHash: string, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        credential_version: eb('credential_version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', id)
      .execute();
    await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
  });
}

/** The name of a project the user owns, if any. */
export async function ownedProject(db: Db, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('projects').select('name').where('owner_id', '=', id).executeTakeFirst();
  return row?.name;
}

/** Deletes the user with their memberships (their sessions go with them). */
export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('project_members')
      .where('entity_type', '=', 'u')
      .where('entity_id', '=', id)
      .execute();
    await tx.deleteFrom('users').where('id', '=', id).execute();
  });
}
