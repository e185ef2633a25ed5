import type { CacheSignals } from '../domain/cache-signals.js';
import type { RobotService } from '../domain/robot/index.js';
import { robotPrefix } from '../domain/robot/index.js';
import type { UserService } from '../domain/user/index.js';
import type { VerifiedToken } from './token.service.js';

interface Credentials {
  readonly account: number;
  readonly version: number;
  /** Epoch ms: a robot's expiry (never for users). */
  readonly expiresAt: number;
}

/** Subjects remembered at most; beyond it the map starts again. */
const maxEntries = 10_000;

/**
 * Whether a token still speaks for its subject: a token names the credential version of the user or
 * robot it was issued to, and every change that must end it (a password, an administrator flag, a
 * membership; a robot's update, disable, secret refresh; a deletion) moves that version. Versions are
 * remembered per process until the `credentials` signal says one changed somewhere, so the /v2 hot
 * path reads nothing but a map.
 */
export class CredentialVersions {
  private readonly known = new Map<string, Promise<Credentials | undefined>>();

  constructor(
    private readonly users: UserService,
    private readonly robots: RobotService,
    signals: CacheSignals,
    private readonly now: () => number,
  ) {
    signals.on('credentials', () => this.known.clear());
  }

  /**
   * True when the token was issued for its subject's current account and credentials, or names no
   * account (anonymous, a scanner's pull token). A token for an account that names no credential
   * (issued before tokens carried them) is not current: its holder signs in again.
   */
  async current(token: Pick<VerifiedToken, 'subject' | 'credential'>): Promise<boolean> {
    if (token.subject === '' || (token.subject.includes('$') && !token.subject.startsWith(robotPrefix)))
      return true;
    let credentials = this.known.get(token.subject);
    if (!credentials) {
      if (this.known.size >= maxEntries) this.known.clear();
      credentials = this.lookup(token.subject);
      this.known.set(token.subject, credentials);
      credentials.catch(() => this.known.delete(token.subject));
    }
    const current = await credentials;
    // An account that is gone may be made again under its name: what is not there is not remembered.
    if (current === undefined && this.known.get(token.subject) === credentials)
      this.known.delete(token.subject);
    return (
      current !== undefined &&
      token.credential !== undefined &&
      current.account === token.credential.account &&
      current.version === token.credential.version &&
      current.expiresAt > this.now()
    );
  }

  /** The account's credential version and when it ends; undefined when it is gone or disabled. */
  private async lookup(subject: string): Promise<Credentials | undefined> {
    if (subject.startsWith(robotPrefix)) {
      const robot = await this.robots.findByName(subject);
      if (!robot || robot.disabled) return undefined;
      return {
        account: robot.id,
        version: robot.credentialVersion,
        expiresAt: robot.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
      };
    }
    const user = await this.users.findByName(subject);
    return user && { account: user.id, version: user.credentialVersion, expiresAt: Number.POSITIVE_INFINITY };
  }
}
