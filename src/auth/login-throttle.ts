import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { BerthError } from '../lib/errors.js';
import { clearFailures, countFailure, currentFailures, pruneFailures } from './login-failures.repo.js';

export interface LoginThrottleOptions {
  /** Failed sign-ins a user name may collect in one window before it is refused until the window ends. */
  readonly maxPerUser: number;
  /** The same for a client address, whatever names it tries. */
  readonly maxPerAddress: number;
  readonly windowMs: number;
  readonly now: () => number;
}

/** Ended windows are removed at most this often (by the process that counts a failure). */
const pruneEveryMs = 60_000;

/**
 * Slows password guessing: after too many failed sign-ins for a user name or from an address within a
 * window, further attempts are refused (TOOMANYREQUESTS, with the seconds to wait) without checking
 * the password, until the window ends. A successful sign-in clears the user name's count. The counts
 * live in the database, so every replica shares one allowance. It is consulted only when a password
 * must really be verified: credentials proven right shortly before never reach it.
 */
export class LoginThrottle {
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: LoginThrottleOptions,
  ) {}

  /** Throws TOOMANYREQUESTS when the user name or the address has used up its allowance. */
  async check(username: string, address: string | undefined): Promise<void> {
    const now = this.options.now();
    const limits = this.limits(username, address);
    for (const { key, failures, windowEndsAt } of await currentFailures(this.db, [...limits.keys()], now)) {
      if (failures >= (limits.get(key) ?? Number.POSITIVE_INFINITY)) {
        const retryAfter = Math.ceil((windowEndsAt - now) / 1000);
        throw new BerthError('TOOMANYREQUESTS', `too many failed sign-ins; try again in ${retryAfter} s`, {
          retryAfter,
        });
      }
    }
  }

  async failed(username: string, address: string | undefined): Promise<void> {
    const now = this.options.now();
    await countFailure(this.db, [...this.limits(username, address).keys()], now, this.options.windowMs);
    if (now - this.lastPrune > pruneEveryMs) {
      this.lastPrune = now;
      await pruneFailures(this.db, now);
    }
  }

  async succeeded(username: string): Promise<void> {
    await clearFailures(this.db, `user ${username}`);
  }

  private limits(username: string, address: string | undefined): Map<string, number> {
    const limits = new Map([[`user ${username}`, this.options.maxPerUser]]);
    if (address) limits.set(`address ${address}`, this.options.maxPerAddress);
    return limits;
  }
}
