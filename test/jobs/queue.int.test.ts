import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { JobDeferred, JobQueue, JobRunner } from '../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { until } from '../support/until.js';

describe.each(['sqlite', 'postgres'] as const)('durable job queue (%s)', (kind) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let clock = 1_000_000;
  const queue = (leaseMs = 60_000) =>
    new JobQueue(handle.db, { dialect: handle.dialect, now: () => clock, leaseMs });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    handle = await database.open();
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('keeps one waiting job per dedupe key and never hands a job to two workers', async () => {
    const a = queue();
    const b = queue();
    expect(await a.enqueue('scan', { digest: 'd1' }, { dedupeKey: 'scan d1' })).toBe(true);
    expect(await b.enqueue('scan', { digest: 'd1' }, { dedupeKey: 'scan d1' })).toBe(false);
    for (let i = 2; i <= 20; i++) await a.enqueue('scan', { digest: `d${i}` });
    const [first, second] = await Promise.all([a.claim(['scan'], 15), b.claim(['scan'], 15)]);
    const ids = [...first, ...second].map((j) => j.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(await a.claim(['scan'], 5)).toEqual([]);
    // A running job does not absorb a new request: it may be working from stale data.
    expect(await a.enqueue('scan', { digest: 'd2' }, { dedupeKey: 'scan d2' })).toBe(true);
    const [rerun] = await a.claim(['scan'], 5);
    expect(rerun?.payload).toEqual({ digest: 'd2' });
    await a.complete(rerun as NonNullable<typeof rerun>);
    for (const job of first) await a.complete(job);
    for (const job of second) await b.complete(job);
    // Done jobs free the key.
    expect(await a.enqueue('scan', { digest: 'd1' }, { dedupeKey: 'scan d1' })).toBe(true);
    const [again] = await a.claim(['scan'], 1);
    expect(again?.payload).toEqual({ digest: 'd1' });
    await a.complete(again as NonNullable<typeof again>);
  });

  it('gives a dead worker’s job to another once its lease ends, and retries failures with back-off', async () => {
    const dead = queue(1_000);
    const alive = queue(1_000);
    await dead.enqueue('gc', { n: 1 }, { maxAttempts: 3 });
    const [taken] = await dead.claim(['gc'], 1);
    expect(taken?.attempts).toBe(1);
    expect(await alive.claim(['gc'], 1)).toEqual([]);
    clock += 1_001;
    const [retaken] = await alive.claim(['gc'], 1);
    expect(retaken?.id).toBe(taken?.id);
    // The dead worker's late completion does not count: the job is no longer its own.
    await dead.complete(taken as NonNullable<typeof taken>);
    await alive.fail(retaken as NonNullable<typeof retaken>, new Error('boom'));
    expect(await alive.claim(['gc'], 1)).toEqual([]);
    clock += 4_001;
    const [last] = await alive.claim(['gc'], 1);
    expect(last?.attempts).toBe(3);
    await alive.fail(last as NonNullable<typeof last>, new Error('boom again'));
    clock += 60_000;
    expect(await alive.claim(['gc'], 1)).toEqual([]);
    const row = await handle.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', last?.id as number)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', last_error: 'boom again' });
  });

  it('holds a named lease for one process at a time until it expires or is released', async () => {
    const a = queue(1_000);
    const b = queue(1_000);
    expect(await a.acquireLease('gc')).toBe(true);
    expect(await b.acquireLease('gc')).toBe(false);
    // Its holder renews it; nobody else takes it while it runs.
    clock += 900;
    expect(await a.acquireLease('gc')).toBe(true);
    clock += 900;
    expect(await b.acquireLease('gc')).toBe(false);
    // Not renewed: it expires and another takes it; the first can no longer release it.
    clock += 1_001;
    expect(await b.acquireLease('gc')).toBe(true);
    await a.releaseLease('gc');
    expect(await a.acquireLease('gc')).toBe(false);
    await b.releaseLease('gc');
    expect(await a.acquireLease('gc')).toBe(true);
    await a.releaseLease('gc');
  });

  it('defers a job that cannot run yet without using an attempt', async () => {
    const q = new JobQueue(handle.db, { dialect: handle.dialect, now: Date.now, leaseMs: 60_000 });
    const runner = new JobRunner(q, pino({ level: 'silent' }), { concurrency: 1, pollMs: 20 });
    let calls = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    runner.handle('deferring', async () => {
      calls++;
      if (calls < 4) throw new JobDeferred(10, 'not yet');
      done();
    });
    await q.enqueue('deferring', {}, { maxAttempts: 1 });
    runner.start();
    await finished;
    await runner.stop();
    const row = await handle.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'deferring')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'done', attempts: 1 });
    expect(calls).toBe(4);
  });

  it('renews a long job’s lease while it runs, and tells it when the job was taken over', async () => {
    const mine = queue(3_000);
    const other = queue(3_000);
    await mine.enqueue('long', {});
    const [job] = await mine.claim(['long'], 1);
    const taken = job as NonNullable<typeof job>;
    const beat = mine.heartbeat(taken, ['long-lease']);
    expect(await mine.acquireLease('long-lease')).toBe(true);
    // A beat (every third of the lease) moves the lease on: after 2 s of the 3 s lease, nobody may claim it.
    await until(
      5_000,
      async () => {
        const row = await handle.db
          .selectFrom('jobs')
          .select('lease_until')
          .where('id', '=', taken.id)
          .executeTakeFirstOrThrow();
        return Number(row.lease_until) > clock + 3_000 - 1;
      },
      'the lease is renewed',
    );
    expect(beat.lost.aborted).toBe(false);
    // Another process takes the job over once the lease has run out (this one stalled): the next beat says so.
    clock += 10_000;
    expect((await other.claim(['long'], 1)).map((j) => j.id)).toEqual([taken.id]);
    await until(5_000, async () => beat.lost.aborted, 'the beat notices');
    beat.stop();
  });

  it('runs jobs with their handlers, at most `concurrency` at once', async () => {
    const q = new JobQueue(handle.db, { dialect: handle.dialect, now: Date.now, leaseMs: 60_000 });
    const runner = new JobRunner(q, pino({ level: 'silent' }), { concurrency: 2, pollMs: 20 });
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    runner.handle('work', async (payload) => {
      active++;
      peak = Math.max(peak, active);
      await sleep(30);
      active--;
      done.push((payload as { n: number }).n);
    });
    for (let n = 0; n < 6; n++) await q.enqueue('work', { n });
    runner.start();
    for (let i = 0; i < 200 && done.length < 6; i++) await sleep(10);
    await runner.stop();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});
