import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/auth/index.js';
import type { DatabaseHandle } from '../../src/db/index.js';
import { ProjectService } from '../../src/domain/project/index.js';
import { RobotService } from '../../src/domain/robot/index.js';
import { UserService } from '../../src/domain/user/index.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

describe('authenticator', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let verifications = 0;
  let authenticator: Authenticator;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    handle = await database.open();
    const ctx = { db: handle.db, now: Date.now };
    const users = new UserService(ctx);
    await users.create({ username: 'burst', password: 'Passw0rd!' });
    const counting = Object.assign(Object.create(users) as UserService, {
      authenticate: (username: string, password: string) => {
        verifications++;
        return users.authenticate(username, password);
      },
    });
    authenticator = new Authenticator(counting, new RobotService(ctx), new ProjectService(ctx), {
      cacheMs: 60_000,
      now: Date.now,
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
});
