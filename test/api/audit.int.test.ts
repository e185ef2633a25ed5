import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient } from '../support/api-client.js';
import { RegistryClient } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { testAdminPassword } from '../support/server.js';

interface Ext {
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  operation_result: boolean;
  operation_description: string;
  op_time: string;
}

describe.each(['sqlite', 'postgres'] as const)('audit log (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem', { 'audit.flushMs': 20, 'audit.retentionDays': 30 }, [
    'audited',
    'quiet',
  ]);
  let admin: ApiClient;
  let guest: ApiClient;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    await admin.call('POST', '/users', { username: 'gina', password: 'Passw0rd!' });
    guest = admin.as('gina', 'Passw0rd!');
    await admin.call('POST', '/projects/audited/members', { role_id: 3, member_user: { username: 'gina' } });

    const image = await b.client.pushImage('audited/app', 'v1');
    await b.client.request('/v2/audited/app/manifests/v1');
    await b.client.request('/v2/audited/app/manifests/v1', { method: 'HEAD' });
    await b.client.pushManifest('audited/app', 'v2', JSON.parse(image.body));
    await b.client.request('/v2/audited/app/manifests/v2', { method: 'DELETE' });
    await b.client.pushImage('quiet/app', 'v1');
    await new RegistryClient(
      b.server.url,
      `Basic ${Buffer.from('mallory:guess').toString('base64')}`,
    ).request('/v2/audited/app/tags/list');
    await admin.call('POST', '/robots', {
      name: 'audit-ci',
      level: 'project',
      duration: -1,
      permissions: [
        { kind: 'project', namespace: 'audited', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    });
  });

  const ext = async (query: string) =>
    (await admin.call<Ext[]>('GET', `/auditlog-exts?page_size=100&${query}`)).body;

  it('records pushes, pulls (not HEADs), tag and manifest deletions, sign-in failures, member and robot changes', async () => {
    const entries = await ext('');
    const seen = entries.map(
      (e) => `${e.operation} ${e.resource_type} ${e.resource} ${e.username} ${e.operation_result}`,
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        'push artifact audited/app:v1 admin true',
        'pull artifact audited/app:v1 admin true',
        'push artifact audited/app:v2 admin true',
        'delete tag audited/app:v2 admin true',
        'login user mallory mallory false',
        'create member gina admin true',
        'create robot robot$audited+audit-ci admin true',
        'create user gina admin true',
      ]),
    );
    expect(seen.filter((s) => s.startsWith('pull artifact audited/app:v1'))).toHaveLength(1);
    expect(entries[0]?.op_time >= (entries[entries.length - 1]?.op_time ?? '')).toBe(true);
  });

  it('filters by operation, user, resource and time, and paginates', async () => {
    const pushes = await ext('q=operation%3Dpush');
    expect(pushes.every((e) => e.operation === 'push')).toBe(true);
    expect(pushes.length).toBeGreaterThanOrEqual(3);
    const fuzzy = await ext('q=resource%3D~quiet');
    expect(fuzzy.map((e) => e.resource)).toEqual(['quiet/app:v1', 'quiet']);
    expect(await ext('q=username%3Dmallory')).toHaveLength(1);
    expect(await ext('q=op_time%3D[2000-01-01 00:00:00~2000-01-02 00:00:00]')).toEqual([]);
    const page = await admin.call<unknown[]>('GET', '/audit-logs?page=1&page_size=2');
    expect(page.body).toHaveLength(2);
    expect(Number(page.headers.get('x-total-count'))).toBeGreaterThan(5);
    expect(page.headers.get('link')).toContain('rel="next"');
    expect((await admin.call('GET', '/audit-logs?q=op_time%3Dyesterday')).status).toBe(400);
    // Any column sorts (Harbor's rule); a key that is none is refused.
    expect((await admin.call('GET', '/audit-logs?sort=username')).status).toBe(200);
    expect((await admin.call('GET', '/audit-logs?sort=colour')).status).toBe(400);
    const kinds = await admin.call<{ operation: string }[]>(
      'GET',
      '/audit-logs?q=operation%3D%7Bpush%20delete%7D&page_size=100',
    );
    expect(new Set(kinds.body.map((e) => e.operation))).toEqual(new Set(['push', 'delete']));
  });

  it('shows a project’s log to its members, theirs in the whole log, and everything to administrators', async () => {
    const log = await guest.call<{ resource: string }[]>('GET', '/projects/audited/logs?page_size=100');
    expect(log.status).toBe(200);
    expect(log.body.length).toBeGreaterThan(3);
    expect(log.body.every((e) => !e.resource.startsWith('quiet/'))).toBe(true);
    expect((await guest.call('GET', '/projects/quiet/logs')).status).toBe(404);
    // As Harbor: a member sees the records of their projects in the registry-wide log, and no others.
    const mine = await guest.call<{ resource: string }[]>('GET', '/audit-logs?page_size=100');
    expect(mine.status).toBe(200);
    expect(mine.body.length).toBeGreaterThan(3);
    expect(mine.body.every((e) => !e.resource.startsWith('quiet/'))).toBe(true);
    const exts = await guest.call<{ resource: string }[]>(
      'GET',
      '/projects/audited/auditlog-exts?page_size=100',
    );
    expect(exts.body.length).toBe(log.body.length);
    expect((await guest.call<{ event_type: string }[]>('GET', '/auditlog-exts/events')).body).toContainEqual({
      event_type: 'push_artifact',
    });
    expect((await admin.anonymous().call('GET', '/audit-logs')).status).toBe(401);
  });

  it('removes records older than the retention period', async () => {
    const handle = await b.database.open();
    await handle.db
      .insertInto('audit_logs')
      .values({
        operator: 'ancient',
        resource_type: 'user',
        resource: 'x',
        operation: 'login',
        result: 0,
        project_id: null,
        op_time: Date.now() - 400 * 86_400_000,
      })
      .execute();
    await handle.close();
    // A new server purges on its first write.
    const restarted = await import('../support/server.js').then((m) =>
      m.startTestServer(b.database, b.storage, { 'audit.flushMs': 20, 'audit.retentionDays': 30 }),
    );
    await fetch(`${restarted.url}/v2/audited/app/manifests/v1`, {
      headers: { Authorization: `Basic ${Buffer.from(`admin:${testAdminPassword}`).toString('base64')}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await restarted.close();
    expect(await ext('q=username%3Dancient')).toEqual([]);
  });
});
