import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { User } from '../user/index.js';
import { toUser } from '../user/user.repo.js';

type Db = Kysely<Database>;

export async function insertSession(
  db: Db,
  session: { tokenHash: string; userId: number; csrfToken: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** Removes sessions past their end or idle since before `idleSince`. */
export async function deleteEnded(db: Db, now: number, idleSince: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
    .execute();
}

/** The session of this token hash with its user. */
export async function sessionByHash(
  db: Db,
  tokenHash: string,
): Promise<{ user: User; csrfToken: string; lastSeenAt: number; expiresAt: number } | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.csrf_token', 's.last_seen_at', 's.expires_at'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { csrf_token, last_seen_at, expires_at, ...user } = row;
  return {
    user: toUser(user),
    csrfToken: csrf_token,
    lastSeenAt: Number(last_seen_at),
    expiresAt: Number(expires_at),
  };
}

export async function touchSession(db: Db, tokenHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}
