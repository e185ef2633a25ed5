import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle, migrateToLatest } from './index.js';
import { WriteBatcher } from './write-batcher.js';

describe('the write batcher (group commit on SQLite)', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await connectDatabase('sqlite::memory:');
    await migrateToLatest(handle);
  });
  afterAll(async () => handle.close());

  it('commits a burst together, undoing only the unit that failed', async () => {
    const batcher = new WriteBatcher(handle.db, { combine: true, maxUnits: 8 });
    const insert = (key: string, fail = false) =>
      batcher.run(async (tx) => {
        await tx.insertInto('cache_versions').values({ topic: key, version: 1 }).execute();
        if (fail) throw new Error(`unit ${key} fails`);
        return key;
      });
    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((k) => insert(k, k === 'c')));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const stored = await handle.db.selectFrom('cache_versions').select('topic').orderBy('topic').execute();
    expect(stored.map((r) => r.topic)).toEqual(['a', 'b', 'd', 'e']);
    // A unit that breaks a constraint is undone alone as well.
    const again = await Promise.allSettled([insert('f'), insert('a'), insert('g')]);
    expect(again.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await handle.db.selectFrom('cache_versions').select('topic').execute()).length).toBe(6);
  });
});
