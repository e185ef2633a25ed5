import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/index.js';
import type { DatabaseHandle } from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { kid: string }).kid;

describe('signing key rotation and retirement across replicas', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let clock = Date.parse('2026-11-27T10:00:00Z');
  let a: TokenService;
  let b: TokenService;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    handle = await database.open();
    const options = { issuer: 'berth', expirySeconds: 3600, now: () => clock };
    a = new TokenService(handle.db, options);
    b = new TokenService(handle.db, options);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('moves every replica to a rotated key within a minute and ends retired keys’ tokens', async () => {
    const first = (await a.issue('ops', 'berth-registry', [])).token;
    expect(await b.verify(first, 'berth-registry')).toMatchObject({ subject: 'ops' });
    expect(kidOf((await b.issue('ops', 'berth-registry', [])).token)).toBe(kidOf(first));

    clock += 1_000;
    const rotated = await a.rotate();
    expect(kidOf((await a.issue('ops', 'berth-registry', [])).token)).toBe(rotated);
    clock += 61_000;
    const fromB = (await b.issue('ops', 'berth-registry', [])).token;
    expect(kidOf(fromB)).toBe(rotated);
    expect(await a.verify(first, 'berth-registry')).toBeDefined();

    expect(await a.retireOlder()).toEqual([kidOf(first)]);
    expect(await a.verify(first, 'berth-registry')).toBeUndefined();
    expect(await a.verify(fromB, 'berth-registry')).toBeDefined();
    clock += 61_000;
    expect(await b.verify(first, 'berth-registry')).toBeUndefined();
    expect(await b.verify(fromB, 'berth-registry')).toBeDefined();
    expect((await a.keys()).map((k) => [k.kid, k.retiredAt === null])).toEqual([
      [rotated, true],
      [kidOf(first), false],
    ]);
    expect(await a.retireOlder()).toEqual([]);
  });
});
