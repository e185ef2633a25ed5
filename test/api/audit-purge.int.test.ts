import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { until } from '../support/until.js';

interface ExecHistory {
  id: number;
  job_name: string;
  job_kind: string;
  job_parameters: string;
  job_status: string;
  schedule: { type: string };
}

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 'filesystem'],
] as const)('audit log purge (%s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind);
  let api: ApiClient;
  let db: DatabaseHandle;

  beforeAll(async () => {
    api = await adminApiClient(b.server.url);
    db = await connectDatabase(b.database.url);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Starts a purge and waits for it to end. */
  async function purge(parameters: Record<string, unknown>) {
    const started = await api.call('POST', '/system/purgeaudit/schedule', {
      schedule: { type: 'Manual' },
      parameters,
    });
    expect(started.status).toBe(201);
    const id = Number(started.headers.get('location')?.split('/').pop());
    expect(started.headers.get('location')).toBe(`/api/v2.0/system/purgeaudit/${id}`);
    let run: ExecHistory | undefined;
    await until(
      20_000,
      async () => {
        run = (await api.call<ExecHistory>('GET', `/system/purgeaudit/${id}`)).body;
        return ['Success', 'Error', 'Stopped'].includes(run.job_status);
      },
      'the purge ends',
    );
    const log = (await api.call<string>('GET', `/system/purgeaudit/${id}/log`)).body;
    return { run: run as ExecHistory, log };
  }

  const count = async (operation: string) =>
    Number(
      (
        await db.db
          .selectFrom('audit_logs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('operation', '=', operation)
          .where('resource', 'like', 'old-%')
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('removes old records of the operations named, after a dry run that removes none', async () => {
    const old = Date.now() - 48 * 3_600_000;
    const record = (operation: string, resource: string, time: number) => ({
      operator: 'admin',
      resource_type: 'artifact',
      resource,
      operation,
      result: 1,
      project_id: null,
      description: '',
      op_time: time,
    });
    await db.db
      .insertInto('audit_logs')
      .values([
        ...Array.from({ length: 7 }, (_, i) => record('pull', `old-${i}`, old)),
        ...Array.from({ length: 3 }, (_, i) => record('create', `old-c${i}`, old)),
        ...Array.from({ length: 2 }, (_, i) => record('delete', `old-d${i}`, old)),
        record('pull', 'recent', Date.now()),
      ])
      .execute();

    const dry = await purge({ audit_retention_hour: 24, include_operations: 'create,pull', dry_run: true });
    expect(dry.run).toMatchObject({ job_name: 'PURGE_AUDIT_LOG', job_kind: 'MANUAL', job_status: 'Success' });
    expect(JSON.parse(dry.run.job_parameters)).toEqual({
      audit_retention_hour: 24,
      dry_run: true,
      include_operations: 'create,pull',
      purged: 10,
    });
    expect(dry.log).toContain('[DRYRUN]Purged 10 rows of audit logs');
    expect(await count('pull')).toBe(7);

    const real = await purge({ audit_retention_hour: 24, include_operations: 'Create, PULL,unknown' });
    expect(JSON.parse(real.run.job_parameters)).toMatchObject({
      purged: 10,
      include_operations: 'create,pull',
    });
    expect(real.log).toContain('Purge audit job start');
    expect(real.log).toContain('Purged 10 rows of audit logs');
    expect([await count('pull'), await count('create'), await count('delete')]).toEqual([0, 0, 2]);
    expect(
      await db.db.selectFrom('audit_logs').select('id').where('resource', '=', 'recent').execute(),
    ).toHaveLength(1);
    // Retention 0 purges nothing, as Harbor's.
    const none = await purge({ audit_retention_hour: 0, include_operations: 'delete' });
    expect(JSON.parse(none.run.job_parameters).purged).toBe(0);
    expect(await count('delete')).toBe(2);

    const list = await api.call<ExecHistory[]>('GET', '/system/purgeaudit?page_size=2');
    expect(list.body).toHaveLength(2);
    expect(list.headers.get('x-total-count')).toBe('3');
  });

  it('answers Harbor errors for bad parameters, and keeps one schedule', async () => {
    for (const [parameters, message] of [
      [undefined, "schedule parameter cann't be empty"],
      [{ include_operations: 'pull' }, 'audit_retention_hour should provide'],
      [{ audit_retention_hour: 1 }, 'include_operations should provide'],
    ] as const) {
      const res = await api.call('POST', '/system/purgeaudit/schedule', {
        schedule: { type: 'Manual' },
        ...(parameters ? { parameters } : {}),
      });
      expect(res.status).toBe(400);
      expect(errorOf(res)?.message).toBe(message);
    }
    const fraction = await api.call('POST', '/system/purgeaudit/schedule', {
      schedule: { type: 'Manual' },
      parameters: { audit_retention_hour: 1.5, include_operations: 'pull' },
    });
    expect(errorOf(fraction)?.message).toMatch(/^failed to convert audit_retention_hour, error: /);
    expect((await api.call('GET', '/system/purgeaudit/424242')).status).toBe(404);

    const set = await api.call('POST', '/system/purgeaudit/schedule', {
      schedule: { type: 'Weekly', cron: '0 0 0 * * 0' },
      parameters: { audit_retention_hour: 168, include_operations: 'pull', dry_run: false },
    });
    expect(set.status).toBe(201);
    const schedule = await api.call<ExecHistory & { schedule: { cron: string } }>(
      'GET',
      '/system/purgeaudit/schedule',
    );
    expect(schedule.body).toMatchObject({
      job_kind: '0 0 0 * * 0',
      schedule: { type: 'Weekly', cron: '0 0 0 * * 0' },
    });
    expect(JSON.parse(schedule.body.job_parameters)).toEqual({
      audit_retention_hour: 168,
      dry_run: false,
      include_operations: 'pull',
    });
    expect(b.server.services.auditPurgeSchedules.armedCron).toBe('0 0 0 * * 0');
    // A scheduled fire makes one run with the stored parameters.
    await b.server.services.auditPurgeSchedules.fireNow();
    await until(
      20_000,
      async () =>
        (await api.call<ExecHistory[]>('GET', '/system/purgeaudit?q=job_kind%3DSCHEDULE')).body.some(
          (r) => r.job_status === 'Success',
        ),
      'the scheduled purge runs',
    );
    expect(
      (await api.call('PUT', '/system/purgeaudit/schedule', { schedule: { type: 'None' } })).status,
    ).toBe(200);
    expect(b.server.services.auditPurgeSchedules.armedCron).toBeUndefined();
  });
});
