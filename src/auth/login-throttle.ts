import { BerthError } from '../lib/errors.js';

export interface LoginThrottleOptions {
  /** Failed sign-ins a user name may collect in one window before it is refused until the window ends. */
  readonly maxPerUser: number;
  /** The same for a client address, whatever names it tries. */
  readonly maxPerAddress: number;
  readonly windowMs: number;
  readonly now: () => number;
}

interface Window {
  failures: number;
  readonly endsAt: number;
}

/** Entries kept at most; beyond it, ended windows are dropped first, then the oldest. */
const maxEntries = 100_000;

/**
 * Slows password guessing: after too many failed sign-ins for a user name or from an address within a
 * window, further attempts are refused (TOOMANYREQUESTS, with the seconds to wait) without checking
 * the password, until the window ends. A successful sign-in clears the user name's count. Counts are
 * per process: with N replicas a guesser gets at most N times the allowance.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: LoginThrottleOptions) {}

  /** Throws TOOMANYREQUESTS when the user name or the address has used up its allowance. */
  check(username: string, address: string | undefined): void {
    const now = this.options.now();
    for (const [key, max] of this.keys(username, address)) {
      const window = this.windows.get(key);
      if (!window) continue;
      if (window.endsAt <= now) {
        this.windows.delete(key);
        continue;
      }
      if (window.failures >= max) {
        const retryAfter = Math.ceil((window.endsAt - now) / 1000);
        throw new BerthError('TOOMANYREQUESTS', `too many failed sign-ins; try again in ${retryAfter} s`, {
          retryAfter,
        });
      }
    }
  }

  failed(username: string, address: string | undefined): void {
    const now = this.options.now();
    if (this.windows.size >= maxEntries) this.prune(now);
    for (const [key] of this.keys(username, address)) {
      const window = this.windows.get(key);
      if (window && window.endsAt > now) window.failures += 1;
      else this.windows.set(key, { failures: 1, endsAt: now + this.options.windowMs });
    }
  }

  succeeded(username: string): void {
    this.windows.delete(`user ${username}`);
  }

  private keys(username: string, address: string | undefined): [string, number][] {
    const keys: [string, number][] = [[`user ${username}`, this.options.maxPerUser]];
    if (address) keys.push([`address ${address}`, this.options.maxPerAddress]);
    return keys;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size < maxEntries) break;
      this.windows.delete(key);
    }
  }
}
