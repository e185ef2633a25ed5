import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { RegistryClient } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { adminAuthorization, createProjects, startTestServer, type TestServer } from '../support/server.js';
import {
  createTestDatabase,
  createTestStorage,
  type TestDatabase,
  type TestStorage,
} from '../support/services.js';
import { until } from '../support/until.js';

interface Stats {
  total: number;
  completed: number;
  metrics?: Record<string, number>;
  ongoing: boolean;
  trigger?: string;
}

interface Schedule {
  id: number;
  status: string;
  creation_time: string;
  update_time: string;
  schedule: { type: string; cron: string; next_scheduled_time?: string };
}

/** An empty layer (an empty tar, gzipped): the built-in scanner reads it and finds nothing. */
const emptyLayer = gzipSync(Buffer.alloc(1024));

/** GET /system/scanAll/schedule without the validating client: Harbor answers no body when none is set. */
async function rawSchedule(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/api/v2.0/system/scanAll/schedule`, {
    headers: { Authorization: adminAuthorization },
  });
  return { status: res.status, text: await res.text() };
}

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 's3'],
] as const)('scan all: schedule, runs, stop and metrics (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'jobs.pollMs': 20 }, ['sa', 'sb']);
  let admin: ApiClient;
  const artifacts = 3;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    for (let i = 0; i < artifacts; i++)
      await b.client.pushImage(i < 2 ? 'sa/app' : 'sb/app', `v${i}`, {
        layers: [emptyLayer],
        extra: { annotations: { n: String(i) } },
      });
    expect((await admin.call('POST', '/users', { username: 'dev', password: 'Passw0rd!' })).status).toBe(201);
  });

  it('sets, reads back, replaces and removes the schedule, with Harbor’s answers and checks', async () => {
    expect(await rawSchedule(b.server.url)).toEqual({ status: 200, text: '' });
    const dev = admin.as('dev', 'Passw0rd!');
    expect((await dev.call('GET', '/system/scanAll/schedule')).status).toBe(403);
    expect((await admin.anonymous().call('GET', '/system/scanAll/schedule')).status).toBe(401);
    const daily = { schedule: { type: 'Daily', cron: '0 0 0 * * *' } };
    expect((await dev.call('POST', '/system/scanAll/schedule', daily)).status).toBe(403);

    expect((await admin.call('POST', '/system/scanAll/schedule', daily)).status).toBe(201);
    const set = await admin.call<Schedule>('GET', '/system/scanAll/schedule');
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ status: 'Running', schedule: { type: 'Daily', cron: '0 0 0 * * *' } });
    const next = new Date(set.body.schedule.next_scheduled_time ?? '');
    expect(next.getUTCHours() * 60 + next.getUTCMinutes() + next.getUTCSeconds()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);

    const again = await admin.call('POST', '/system/scanAll/schedule', daily);
    expect(again.status).toBe(412);
    expect(errorOf(again)?.message).toBe(
      'fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule',
    );
    // None creates nothing; an identical PUT changes nothing.
    expect(
      (await admin.call('POST', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status,
    ).toBe(201);
    expect((await admin.call('PUT', '/system/scanAll/schedule', daily)).status).toBe(200);
    expect((await admin.call<Schedule>('GET', '/system/scanAll/schedule')).body.id).toBe(set.body.id);

    const weekly = { schedule: { type: 'Weekly', cron: '0 0 0 * * 0' } };
    expect((await admin.call('PUT', '/system/scanAll/schedule', weekly)).status).toBe(200);
    const replaced = await admin.call<Schedule>('GET', '/system/scanAll/schedule');
    expect(replaced.body.schedule).toMatchObject({ type: 'Weekly', cron: '0 0 0 * * 0' });
    expect(new Date(replaced.body.schedule.next_scheduled_time ?? '').getUTCDay()).toBe(0);

    const manual = await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Manual' } });
    expect(manual.status).toBe(400);
    expect(errorOf(manual)?.message).toBe('fail to update scan all schedule as wrong schedule type: Manual');
    const bad: [string | undefined, string][] = [
      [undefined, 'empty cron string is invalid'],
      ['0 0 * * *', 'expected exactly 6 fields, found 5'],
      ['30 0 0 * * *', 'the 1st field (indicating Seconds of time) of the cron setting must be 0'],
      ['0 0 0 * * nonsense', ''],
      // Harbor's parser has no L, W or # (croner, which arms the timers, would take them).
      ['0 0 0 L * *', 'failed to parse int from L'],
      ['0 0 0 15W * *', 'failed to parse int from 15W'],
      ['0 0 0 * * 5#3', 'failed to parse int from 5#3'],
    ];
    for (const [cron, why] of bad) {
      const res = await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom', cron } });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.message).toContain(
        `invalid cron string for scheduled scan all: ${cron ?? ''}, error: ${why}`,
      );
    }
    // Names, ranges, steps, lists and ? are Harbor's too.
    const named = { schedule: { type: 'Custom', cron: '0 0 6 ? JAN-MAR,oct MON-FRI/2' } };
    expect((await admin.call('PUT', '/system/scanAll/schedule', named)).status).toBe(200);
    expect((await admin.call('PUT', '/system/scanAll/schedule', weekly)).status).toBe(200);
    const unknownType = await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Yearly' } });
    expect(unknownType.status).toBe(400);
    expect((await admin.call<Schedule>('GET', '/system/scanAll/schedule')).body.schedule.type).toBe('Weekly');

    expect((await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status).toBe(
      200,
    );
    expect(await rawSchedule(b.server.url)).toEqual({ status: 200, text: '' });
    // Removing what is not there is fine too.
    expect((await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status).toBe(
      200,
    );
  });

  it('counts a manual run’s tasks from nothing to done, and refuses a second while it runs', async () => {
    const none = { total: 0, completed: 0, ongoing: false };
    expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toEqual(none);
    expect((await admin.call<Stats>('GET', '/scans/schedule/metrics')).body).toEqual(none);
    const nothing = await admin.call('POST', '/system/scanAll/stop');
    expect(nothing.status).toBe(400);
    expect(errorOf(nothing)?.message).toBe('no scan all job is found currently');
    expect((await admin.as('dev', 'Passw0rd!').call('GET', '/scans/all/metrics')).status).toBe(403);

    // With this process's workers stopped, the run waits: a second manual run is refused meanwhile.
    await b.server.services.jobs.stop();
    expect(
      (await admin.call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status,
    ).toBe(201);
    expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toEqual({
      total: artifacts,
      completed: 0,
      metrics: { Pending: artifacts, Running: 0, Success: 0, Error: 0, Stopped: 0 },
      ongoing: true,
      trigger: 'Manual',
    });
    const twice = await admin.call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } });
    expect(twice.status).toBe(409);
    expect(errorOf(twice)?.message).toBe('a previous scan all job aleady exits, its status is Running');
    // A scheduled run is not a manual one: its metrics stay empty.
    expect((await admin.call<Stats>('GET', '/scans/schedule/metrics')).body).toEqual(none);

    b.server.services.jobs.start();
    let stats: Stats | undefined;
    await until(
      30_000,
      async () => {
        stats = (await admin.call<Stats>('GET', '/scans/all/metrics')).body;
        return !stats.ongoing;
      },
      'the run ends',
    );
    expect(stats).toEqual({
      total: artifacts,
      completed: artifacts,
      metrics: { Pending: 0, Running: 0, Success: artifacts, Error: 0, Stopped: 0 },
      ongoing: false,
      trigger: 'Manual',
    });
    // Stopping a finished run is accepted and changes nothing.
    expect((await admin.call('POST', '/system/scanAll/stop')).status).toBe(202);
    expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toEqual(stats);
  });

  it('stops a run: its queued scans leave the queue and its tasks and reports read Stopped', async () => {
    await b.server.services.jobs.stop();
    try {
      expect((await admin.call('POST', '/system/scanAll/now')).status).toBe(202);
      expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toMatchObject({
        total: artifacts,
        ongoing: true,
      });
      expect((await admin.as('dev', 'Passw0rd!').call('POST', '/system/scanAll/stop')).status).toBe(403);
      expect((await admin.call('POST', '/system/scanAll/stop')).status).toBe(202);
      expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toEqual({
        total: artifacts,
        completed: artifacts,
        metrics: { Pending: 0, Running: 0, Success: 0, Error: 0, Stopped: artifacts },
        ongoing: false,
        trigger: 'Manual',
      });
      // The previous run's reports stand (a rescan that never ran does not replace them).
      const overview = await admin.call<{ scan_overview: Record<string, { scan_status: string }> }>(
        'GET',
        '/projects/sa/repositories/app/artifacts/v0?with_scan_overview=true',
      );
      expect(Object.values(overview.body.scan_overview)[0]?.scan_status).toBe('Success');
    } finally {
      b.server.services.jobs.start();
    }
    // Nothing of the stopped run is left to run: the next manual run starts at once.
    expect(
      (await admin.call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status,
    ).toBe(201);
    await until(
      30_000,
      async () => !(await admin.call<Stats>('GET', '/scans/all/metrics')).body.ongoing,
      'the next run ends',
    );
  });

  it('marks a queued scan of an unscanned artifact Stopped when its run is stopped', async () => {
    await b.client.pushImage('sb/app', 'fresh', {
      layers: [emptyLayer],
      extra: { annotations: { n: 'fresh' } },
    });
    await b.server.services.jobs.stop();
    try {
      expect((await admin.call('POST', '/system/scanAll/now')).status).toBe(202);
      const pending = await admin.call<{ scan_overview: Record<string, { scan_status: string }> }>(
        'GET',
        '/projects/sb/repositories/app/artifacts/fresh?with_scan_overview=true',
      );
      expect(Object.values(pending.body.scan_overview)[0]?.scan_status).toBe('Pending');
      expect((await admin.call('POST', '/system/scanAll/stop')).status).toBe(202);
      const stopped = await admin.call<{ scan_overview: Record<string, { scan_status: string }> }>(
        'GET',
        '/projects/sb/repositories/app/artifacts/fresh?with_scan_overview=true',
      );
      expect(Object.values(stopped.body.scan_overview)[0]).toMatchObject({
        scan_status: 'Stopped',
        complete_percent: 100,
      });
    } finally {
      b.server.services.jobs.start();
    }
  });

  it('answers 412 on every scan-all operation when no scanner is the default', async () => {
    const handle = await b.database.open();
    try {
      await handle.db.updateTable('scanner_registrations').set({ is_default: 0 }).execute();
      for (const [method, path] of [
        ['GET', '/system/scanAll/schedule'],
        ['PUT', '/system/scanAll/schedule'],
        ['POST', '/system/scanAll/schedule'],
        ['POST', '/system/scanAll/stop'],
        ['GET', '/scans/all/metrics'],
        ['GET', '/scans/schedule/metrics'],
      ] as const) {
        const body = method === 'GET' || path.endsWith('stop') ? undefined : { schedule: { type: 'None' } };
        const res = await admin.call(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(412);
        expect(errorOf(res)?.message).toBe("no scanner is configured, it's not possible to scan");
      }
      // Who may not ask at all is told so first.
      expect((await admin.anonymous().call('GET', '/scans/all/metrics')).status).toBe(401);
    } finally {
      await handle.db
        .updateTable('scanner_registrations')
        .set({ is_default: 1 })
        .where('immutable', '=', 1)
        .execute();
      await handle.close();
    }
    expect((await admin.call('GET', '/scans/all/metrics')).status).toBe(200);
  });

  it('shows the store’s volume, no CA certificate, and anonymous callers only Harbor’s open system info', async () => {
    const volumes = await admin.call<{ storage: { total: number; free: number }[] }>(
      'GET',
      '/systeminfo/volumes',
    );
    expect(volumes.status).toBe(200);
    expect(volumes.body.storage).toHaveLength(1);
    const [disk] = volumes.body.storage;
    if (storageKind === 'filesystem') {
      expect(disk?.total).toBeGreaterThan(0);
      expect(disk?.free).toBeGreaterThan(0);
      expect(disk?.free).toBeLessThanOrEqual(disk?.total ?? 0);
    } else {
      // Object storage has no size to tell: Harbor's answer when it cannot tell.
      expect(disk).toEqual({ total: 0, free: 0 });
    }
    expect((await admin.as('dev', 'Passw0rd!').call('GET', '/systeminfo/volumes')).status).toBe(403);
    expect((await admin.anonymous().call('GET', '/systeminfo/volumes')).status).toBe(401);

    for (const client of [admin, admin.anonymous()]) {
      const cert = await client.call('GET', '/systeminfo/getcert');
      expect(cert.status).toBe(404);
      expect(errorOf(cert)?.code).toBe('NOT_FOUND');
    }

    const open = await admin.anonymous().call<Record<string, unknown>>('GET', '/systeminfo');
    expect(open.body).toEqual({
      auth_mode: 'db_auth',
      primary_auth_mode: false,
      self_registration: false,
      banner_message: '',
      oidc_provider_name: '',
    });
    const full = await admin.as('dev', 'Passw0rd!').call<Record<string, unknown>>('GET', '/systeminfo');
    expect(full.body).toMatchObject({
      ...open.body,
      registry_url: new URL(b.server.url).host,
      external_url: b.server.url,
      has_ca_root: false,
      registry_storage_provider_name: storageKind,
      read_only: false,
      notification_enable: false,
      project_creation_restriction: 'everyone',
    });
    expect(full.body.harbor_version).toMatch(/^berth-/);
    expect(Date.parse(String(full.body.current_time))).not.toBeNaN();

    const health = await admin
      .anonymous()
      .call<{ status: string; components: { name: string }[] }>('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
    expect(health.body.components.map((c) => c.name)).toEqual(['database', 'storage']);
  });
});

/**
 * Two replicas over one PostgreSQL database: a schedule set through either is followed by both
 * without a restart, and a scheduled time fires one run however many replicas fire for it.
 */
describe('the scan-all schedule on two replicas over PostgreSQL', () => {
  let database: TestDatabase;
  let storage: TestStorage;
  let a: TestServer;
  let b: TestServer;
  let admin: ApiClient;
  const settings = { 'jobs.pollMs': 20, 'database.cacheSyncMs': 100 };

  const scheduledRuns = async () => {
    const handle = await database.open();
    try {
      const rows = await handle.db
        .selectFrom('scan_all_executions')
        .select(['id', 'fire_key'])
        .where('trigger', '=', 'SCHEDULE')
        .execute();
      return rows;
    } finally {
      await handle.close();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    storage = await createTestStorage('filesystem');
    a = await startTestServer(database, storage, settings);
    b = await startTestServer(database, storage, settings);
    await createProjects(a.url, ['rep']);
    const client = new RegistryClient(a.url, adminAuthorization);
    for (let i = 0; i < 2; i++)
      await client.pushImage('rep/app', `v${i}`, {
        layers: [emptyLayer],
        extra: { annotations: { n: String(i) } },
      });
    admin = await adminApiClient(a.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await storage?.stop();
    await database?.drop();
  });

  it('arms the schedule set on one replica on the other, and disarms it there when removed', async () => {
    expect(a.services.scanAllSchedules.armedCron).toBeUndefined();
    expect(b.services.scanAllSchedules.armedCron).toBeUndefined();
    const daily = { schedule: { type: 'Daily', cron: '0 0 0 * * *' } };
    expect((await admin.call('POST', '/system/scanAll/schedule', daily)).status).toBe(201);
    // The replica that took the change re-arms at once; the other within its cache poll.
    expect(a.services.scanAllSchedules.armedCron).toBe('0 0 0 * * *');
    await until(3000, async () => b.services.scanAllSchedules.armedCron === '0 0 0 * * *', 'B arms');

    // Changed through B: A follows.
    const viaB = await fetch(`${b.url}/api/v2.0/system/scanAll/schedule`, {
      method: 'PUT',
      headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ schedule: { type: 'Custom', cron: '0 30 1 * * *' } }),
    });
    expect(viaB.status).toBe(200);
    await until(3000, async () => a.services.scanAllSchedules.armedCron === '0 30 1 * * *', 'A re-arms');
    const read = await admin.call<Schedule>('GET', '/system/scanAll/schedule');
    expect(read.body.schedule).toMatchObject({ type: 'Custom', cron: '0 30 1 * * *' });

    expect((await admin.call('PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status).toBe(
      200,
    );
    await until(3000, async () => b.services.scanAllSchedules.armedCron === undefined, 'B disarms');
    expect(a.services.scanAllSchedules.armedCron).toBeUndefined();
  });

  it('runs a scheduled scan all once when both replicas fire for the same time, again and again', async () => {
    const daily = { schedule: { type: 'Daily', cron: '0 0 0 * * *' } };
    expect((await admin.call('POST', '/system/scanAll/schedule', daily)).status).toBe(201);
    await until(3000, async () => b.services.scanAllSchedules.armedCron === '0 0 0 * * *', 'B arms');

    // Both timers fire for today's midnight (UTC), twice each, at the same moment.
    const fire = () =>
      Promise.all([
        a.services.scanAllSchedules.fireNow(),
        b.services.scanAllSchedules.fireNow(),
        a.services.scanAllSchedules.fireNow(),
        b.services.scanAllSchedules.fireNow(),
      ]);
    await fire();
    let stats: Stats | undefined;
    await until(
      30_000,
      async () => {
        stats = (await admin.call<Stats>('GET', '/scans/schedule/metrics')).body;
        return stats.trigger === 'Schedule' && !stats.ongoing;
      },
      'the scheduled run ends',
    );
    expect(stats).toEqual({
      total: 2,
      completed: 2,
      metrics: { Pending: 0, Running: 0, Success: 2, Error: 0, Stopped: 0 },
      ongoing: false,
      trigger: 'Schedule',
    });
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    expect(await scheduledRuns()).toEqual([
      expect.objectContaining({ fire_key: `schedule ${midnight.toISOString()}` }),
    ]);

    // Replicas firing late for the same time (the first run long done) add no run either.
    await fire();
    await until(
      10_000,
      async () => {
        const handle = await database.open();
        try {
          const waiting = await handle.db
            .selectFrom('jobs')
            .select('id')
            .where('kind', '=', 'scan-all')
            .where('status', 'in', ['queued', 'running'])
            .execute();
          return waiting.length === 0;
        } finally {
          await handle.close();
        }
      },
      'the late fires are handled',
    );
    expect(await scheduledRuns()).toHaveLength(1);
    // The schedule metrics are the scheduled run's, the overall ones too (it is the latest).
    expect((await admin.call<Stats>('GET', '/scans/all/metrics')).body).toEqual(stats);
  });

  it('does not fire a schedule that was changed elsewhere before this replica heard of it', async () => {
    // A stops hearing of changes; B moves the schedule to 01:30; A's timer fires for the old midnight.
    await a.services.signals.stop();
    const viaB = await fetch(`${b.url}/api/v2.0/system/scanAll/schedule`, {
      method: 'PUT',
      headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ schedule: { type: 'Custom', cron: '0 30 1 * * *' } }),
    });
    expect(viaB.status).toBe(200);
    expect(a.services.scanAllSchedules.armedCron).toBe('0 0 0 * * *');
    const fireJobs = async () => {
      const handle = await database.open();
      try {
        return (await handle.db.selectFrom('jobs').select('id').where('kind', '=', 'scan-all').execute())
          .length;
      } finally {
        await handle.close();
      }
    };
    const before = await fireJobs();
    await a.services.scanAllSchedules.fireNow();
    expect(await fireJobs()).toBe(before);
    await a.services.scanAllSchedules.refresh();
    expect(a.services.scanAllSchedules.armedCron).toBe('0 30 1 * * *');
    a.services.signals.start();
    expect(await scheduledRuns()).toHaveLength(1);
  });
});
