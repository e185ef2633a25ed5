import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, LoginThrottle, robotMayHold, TokenService } from '../../src/auth/index.js';
import type { DatabaseHandle } from '../../src/db/index.js';
import { MemberService } from '../../src/domain/member/index.js';
import { RobotService } from '../../src/domain/robot/index.js';
import { UserService } from '../../src/domain/user/index.js';
import { createTestDatabase, type TestDatabase, testSignals } from '../support/services.js';

describe('authenticator', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let verifications = 0;
  let authenticator: Authenticator;
  let clock = 1_000_000;
  const now = () => clock;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    handle = await database.open();
    const ctx = { db: handle.db, now: Date.now, signals: testSignals(handle) };
    const users = new UserService(ctx);
    await users.create({ username: 'burst', password: 'Passw0rd!' });
    await users.create({ username: 'target', password: 'Passw0rd!' });
    await users.create({ username: 'busy', password: 'Passw0rd!' });
    const counting = Object.assign(Object.create(users) as UserService, {
      authenticate: (username: string, password: string) => {
        verifications++;
        return users.authenticate(username, password);
      },
    });
    const robots = new RobotService(ctx, { findProject: async () => undefined, accepts: robotMayHold });
    authenticator = new Authenticator(counting, robots, new MemberService(ctx), {
      cacheMs: 60_000,
      now,
      throttle: new LoginThrottle(handle.db, { maxPerUser: 3, maxPerAddress: 5, windowMs: 60_000, now }),
      tokens: new TokenService(handle.db, { issuer: 'berth', expirySeconds: 300, now }),
      service: 'berth-registry',
      signals: ctx.signals,
    });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('verifies a burst of identical credentials once, then serves them from the cache', async () => {
    const header = `Basic ${Buffer.from('burst:Passw0rd!').toString('base64')}`;
    const contexts = await Promise.all(Array.from({ length: 16 }, () => authenticator.authenticate(header)));
    expect(contexts.every((c) => c.username === 'burst')).toBe(true);
    expect(verifications).toBe(1);
    await authenticator.authenticate(header);
    expect(verifications).toBe(1);
  });

  it('does not remember failures', async () => {
    const header = `Basic ${Buffer.from('burst:wrong').toString('base64')}`;
    await expect(authenticator.authenticate(header)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(authenticator.authenticate(header)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(verifications).toBe(3);
  });

  it('refuses a user name after too many failures, without checking the password, until the window ends', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(
        authenticator.authenticate(basic('target', `guess${i}`), '10.0.0.1'),
      ).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    }
    const before = verifications;
    const refused = authenticator.authenticate(basic('target', 'Passw0rd!'), '10.0.0.2');
    await expect(refused).rejects.toMatchObject({ code: 'TOOMANYREQUESTS', detail: { retryAfter: 60 } });
    expect(verifications).toBe(before);
    clock += 60_000;
    const context = await authenticator.authenticate(basic('target', 'Passw0rd!'), '10.0.0.2');
    expect(context.username).toBe('target');
  });

  it('refuses an address that guesses many names, but not other addresses', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(authenticator.authenticate(basic(`nobody${i}`, 'x'), '10.0.0.9')).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    }
    await expect(authenticator.authenticate(basic('busy', 'Passw0rd!'), '10.0.0.9')).rejects.toMatchObject({
      code: 'TOOMANYREQUESTS',
    });
    expect((await authenticator.authenticate(basic('busy', 'Passw0rd!'), '10.0.0.10')).username).toBe('busy');
  });

  it('lets recently proven credentials through while guessers have the name throttled', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(authenticator.authenticate(basic('busy', `guess${i}`), '10.0.0.11')).rejects.toMatchObject(
        {
          code: 'UNAUTHORIZED',
        },
      );
    }
    await expect(authenticator.authenticate(basic('busy', 'wrong'), '10.0.0.12')).rejects.toMatchObject({
      code: 'TOOMANYREQUESTS',
    });
    expect((await authenticator.authenticate(basic('busy', 'Passw0rd!'), '10.0.0.10')).username).toBe('busy');
  });
});
