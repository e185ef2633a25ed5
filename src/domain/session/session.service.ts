import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServiceContext } from '../context.js';
import type { ActiveSession, NewSession, SessionOptions } from './session.model.js';
import { deleteEnded, deleteSession, insertSession, sessionByHash, touchSession } from './session.repo.js';

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
    await insertSession(this.ctx.db, { tokenHash: hashOf(token), userId, csrfToken, now, expiresAt });
    // Ended sessions go when new ones start: no separate sweeper needed.
    await deleteEnded(this.ctx.db, now, now - this.options.idleMs);
    return { token, csrfToken, expiresAt: new Date(expiresAt) };
  }

  /** The session's user and CSRF token, or undefined when the token is unknown, idle too long or expired. */
  async resolve(token: string): Promise<ActiveSession | undefined> {
    const now = this.ctx.now();
    const hash = hashOf(token);
    const session = await sessionByHash(this.ctx.db, hash);
    if (!session || session.expiresAt <= now || session.lastSeenAt <= now - this.options.idleMs)
      return undefined;
    if (now - session.lastSeenAt > Math.min(touchEveryMs, this.options.idleMs / 4))
      await touchSession(this.ctx.db, hash, now);
    return { user: session.user, csrfToken: session.csrfToken };
  }

  async revoke(token: string): Promise<void> {
    await deleteSession(this.ctx.db, hashOf(token));
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
