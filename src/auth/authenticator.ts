import { createHash } from 'node:crypto';
import type { CacheSignals } from '../domain/cache-signals.js';
import type { EventSink } from '../domain/events.js';
import type { MemberService } from '../domain/member/index.js';
import { type RobotService, robotPrefix } from '../domain/robot/index.js';
import type { User, UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { Limiter } from '../lib/limiter.js';
import { parseBasic } from './basic.js';
import type { LoginThrottle } from './login-throttle.js';
import { type Principal, SecurityContext, scannerPrefix } from './security-context.js';
import type { TokenService } from './token.service.js';

export interface AuthenticatorOptions {
  /** Where failed sign-ins are reported (the audit log). */
  readonly events?: EventSink | undefined;
  /** How long a verified password is trusted without hashing it again (argon2id costs ~20 ms). */
  readonly cacheMs: number;
  readonly now: () => number;
  /** Refuses sign-ins for a user name or address after too many failures. */
  readonly throttle: LoginThrottle;
  /** Verifies the pull tokens scanner adapters present as their password (`scanner$<name>`). */
  readonly tokens: TokenService;
  /** The audience of registry tokens. */
  readonly service: string;
  /** Tells when credentials changed anywhere: remembered ones are then forgotten. */
  readonly signals: CacheSignals;
}

const principalOf = (user: User): Principal => ({
  kind: 'user',
  id: user.id,
  username: user.username,
  sysadmin: user.sysadmin,
  credentialVersion: user.credentialVersion,
});

/**
 * The chain that turns a request's credentials into a SecurityContext. Verified credentials are
 * remembered by their SHA-256 for a short time, so a busy client costs one argon2 verification per
 * interval, not one per request; any credential change in any process (a password, a robot's state,
 * an administrator flag, a membership) makes every process forget them (the `credentials` signal).
 */
export class Authenticator {
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly inflight = new Map<string, Promise<Principal | undefined>>();
  /** argon2id takes 19 MiB a verification: at most two at once keeps memory bounded under a login burst. */
  private readonly hashing = new Limiter(2);

  constructor(
    private readonly users: UserService,
    private readonly robots: RobotService,
    private readonly members: MemberService,
    private readonly options: AuthenticatorOptions,
  ) {
    options.signals.on('credentials', () => this.verified.clear());
  }

  anonymous(): SecurityContext {
    return new SecurityContext(undefined, this.members);
  }

  /**
   * A context for the Authorization header: anonymous when there is none; UNAUTHORIZED when it is
   * wrong; TOOMANYREQUESTS when the user name or the client's address failed too often lately.
   */
  async authenticate(authorization: string | undefined, address?: string): Promise<SecurityContext> {
    if (!authorization) return this.anonymous();
    const basic = parseBasic(authorization);
    if (!basic)
      throw new BerthError('UNAUTHORIZED', 'unsupported Authorization scheme; use Basic credentials');
    const principal = await this.password(basic.username, basic.password, address);
    if (!principal) throw new BerthError('UNAUTHORIZED', 'invalid user name or password');
    return new SecurityContext(principal, this.members);
  }

  private password(
    username: string,
    password: string,
    address: string | undefined,
  ): Promise<Principal | undefined> {
    const key = createHash('sha256').update(`${username}\u0000${password}`).digest('base64');
    const cached = this.verified.get(key);
    // Credentials proven right lately pass even while guessers have the name throttled.
    if (cached && cached.until > this.options.now()) return Promise.resolve(cached.principal);
    this.verified.delete(key);
    // One verification per credential at a time: concurrent requests with the same credentials share it.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.options.throttle
        .check(username, address)
        .then(() => this.hashing.run(() => this.verify(key, username, password, address)))
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async verify(
    key: string,
    username: string,
    password: string,
    address: string | undefined,
  ): Promise<Principal | undefined> {
    const now = this.options.now();
    let principal: Principal | undefined;
    // Remembered credentials never outlive the account: a robot's cache entry ends when it expires.
    let until = now + this.options.cacheMs;
    if (username.startsWith(scannerPrefix)) {
      // A scanner adapter given Basic credentials: its password is the pull token Berth made for it.
      const token = await this.options.tokens.verify(password, this.options.service);
      principal =
        token && !token.refresh && token.subject === username
          ? { kind: 'scanner', username, sysadmin: false, access: token.access }
          : undefined;
      if (token) until = Math.min(until, token.expiresAt);
    } else if (username.startsWith(robotPrefix)) {
      const robot = await this.robots.authenticate(username, password);
      principal = robot && {
        kind: 'robot',
        id: robot.id,
        username: robot.name,
        sysadmin: false,
        permissions: robot.permissions,
        credentialVersion: robot.credentialVersion,
      };
      if (robot?.expiresAt) until = Math.min(until, robot.expiresAt.getTime());
    } else {
      const user = await this.users.authenticate(username, password);
      principal = user && principalOf(user);
    }
    if (!principal) {
      await this.options.throttle.failed(username, address);
      this.options.events?.({
        operation: 'login',
        resourceType: 'user',
        resource: username.slice(0, 255),
        operator: username.slice(0, 255),
        success: false,
        description: 'invalid credentials',
        time: now,
      });
      return undefined;
    }
    await this.options.throttle.succeeded(username);
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, { principal, until });
    return principal;
  }

  /** A context for a user whose identity was proven another way (a refresh token). */
  forUser(user: User): SecurityContext {
    return new SecurityContext(principalOf(user), this.members);
  }
}
