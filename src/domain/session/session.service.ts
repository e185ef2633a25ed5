import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { User } from '../../db/index.js';
import type { ServiceContext } from '../context.js';

export interface SessionOptions {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  readonly maxMs: number;
}

export interface NewSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface ActiveSession {
  readonly user: User;
  readonly csrfToken: string;
}

/** Activity is written back at most this often per session (and a quarter of the idle time), not on every request. */
const touchEveryMs = 60_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Portal sessions: a random token (sent as a cookie or a bearer token) naming a user, with a CSRF
 * token that unsafe cookie-authenticated requests must echo. Stored in the database by the token's
 * hash, so every replica honours them and a database leak reveals no usable token.
 */
export class SessionService {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now'>,
    private readonly options: SessionOptions,
  ) {}

  async create(userId: number): Promise<NewSession> {
    const now = this.ctx.now();
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = now + this.options.maxMs;
    await this.ctx.db
      .insertInto('sessions')
      .values({
        token_hash: hashOf(token),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
    // Ended sessions go when new ones start: no separate sweeper needed.
    await this.ctx.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - this.options.idleMs)]),
      )
      .execute();
    return { token, csrfToken, expiresAt };
  }

  /** The session's user and CSRF token, or undefined when the token is unknown, idle too long or expired. */
  async resolve(token: string): Promise<ActiveSession | undefined> {
    const now = this.ctx.now();
    const hash = hashOf(token);
    const row = await this.ctx.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.csrf_token', 's.last_seen_at', 's.expires_at'])
      .where('s.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.expires_at <= now || row.last_seen_at <= now - this.options.idleMs) return undefined;
    if (now - row.last_seen_at > Math.min(touchEveryMs, this.options.idleMs / 4)) {
      await this.ctx.db
        .updateTable('sessions')
        .set({ last_seen_at: now })
        .where('token_hash', '=', hash)
        .execute();
    }
    const { csrf_token, last_seen_at: _seen, expires_at: _expires, ...user } = row;
    return { user, csrfToken: csrf_token };
  }

  async revoke(token: string): Promise<void> {
    await this.ctx.db.deleteFrom('sessions').where('token_hash', '=', hashOf(token)).execute();
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
