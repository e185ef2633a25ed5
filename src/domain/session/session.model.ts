import type { User } from '../user/index.js';

export interface SessionOptions {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  readonly maxMs: number;
}

/** A session just made: the token (shown once, stored hashed), its CSRF token and its absolute end. */
export interface NewSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

/** A live session: whose it is, and the CSRF token unsafe cookie-borne requests must echo. */
export interface ActiveSession {
  readonly user: User;
  readonly csrfToken: string;
}
