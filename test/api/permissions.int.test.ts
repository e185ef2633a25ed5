import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { createProjects } from '../support/server.js';

interface Permission {
  resource: string;
  action: string;
}

const pairs = (list: Permission[]) => list.map((p) => `${p.resource}:${p.action}`);

describe.each(['sqlite', 'postgres'] as const)('ping, permissions and user search (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem');
  let admin: ApiClient;
  let guest: ApiClient;
  let lead: ApiClient;
  let robot: ApiClient;
  const ids = new Map<string, number>();
  const password = 'Passw0rd!';

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    for (const name of ['srch-guest', 'srch-lead', 'srch-other'])
      expect((await admin.call('POST', '/users', { username: name, password })).status).toBe(201);
    guest = admin.as('srch-guest', password);
    lead = admin.as('srch-lead', password);
    await createProjects(b.server.url, ['perm-closed']);
    await createProjects(b.server.url, ['perm-open'], true);
    for (const project of ['perm-closed', 'perm-open'])
      ids.set(
        project,
        (await admin.call<{ project_id: number }>('GET', `/projects/${project}`)).body.project_id,
      );
    const add = async (username: string, role: number) =>
      expect(
        (
          await admin.call('POST', '/projects/perm-closed/members', {
            role_id: role,
            member_user: { username },
          })
        ).status,
      ).toBe(201);
    await add('srch-guest', 3);
    await add('srch-lead', 1);
    const made = await admin.call<{ name: string; secret: string }>('POST', '/robots', {
      name: 'perm-robot',
      level: 'project',
      duration: -1,
      permissions: [
        {
          kind: 'project',
          namespace: 'perm-closed',
          access: [
            { resource: 'repository', action: 'pull' },
            { resource: 'tag-retention', action: 'list' },
          ],
        },
      ],
    });
    expect(made.status).toBe(201);
    robot = admin.as(made.body.name, made.body.secret);
  });

  it('answers GET /ping with Pong as text, to anyone', async () => {
    const res = await fetch(`${b.server.url}/api/v2.0/ping`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Pong');
    expect((await admin.anonymous().call('GET', '/ping')).body).toBe('Pong');
  });

  it('lists the permissions robots may hold to system and project administrators only', async () => {
    const all = await admin.call<{ system: Permission[]; project: Permission[] }>('GET', '/permissions');
    expect(all.status).toBe(200);
    // Harbor's order: its PoliciesMap, then the NolimitProvider's extras.
    expect(pairs(all.body.system).slice(0, 3)).toEqual([
      'audit-log:list',
      'preheat-instance:read',
      'preheat-instance:create',
    ]);
    expect(pairs(all.body.system).slice(-5)).toEqual([
      'user-group:create',
      'user-group:read',
      'user-group:update',
      'user-group:list',
      'user-group:delete',
    ]);
    expect(pairs(all.body.project)[0]).toBe('log:list');
    expect(pairs(all.body.project).slice(-5)).toEqual([
      'member:create',
      'member:read',
      'member:update',
      'member:list',
      'member:delete',
    ]);
    expect(new Set(pairs(all.body.project)).size).toBe(all.body.project.length);
    const projectOnly = await lead.call<Record<string, unknown>>('GET', '/permissions');
    expect(projectOnly.status).toBe(200);
    expect(Object.keys(projectOnly.body)).toEqual(['project']);
    expect(projectOnly.body.project).toEqual(all.body.project);
    for (const client of [guest, robot]) {
      const refused = await client.call('GET', '/permissions');
      expect({ status: refused.status, message: errorOf(refused)?.message }).toEqual({
        status: 403,
        message: expect.stringContaining('only admins'),
      });
    }
    expect((await admin.anonymous().call('GET', '/permissions')).status).toBe(401);
  });

  it('tells the caller what they may do in the system or in a project', async () => {
    const mine = async (client: ApiClient, query: string) => {
      const res = await client.call<Permission[]>('GET', `/users/current/permissions${query}`);
      expect(res.status).toBe(200);
      return pairs(res.body);
    };
    const closed = ids.get('perm-closed') as number;
    const open = ids.get('perm-open') as number;

    const system = await mine(admin, '?scope=/system');
    expect(system).toEqual(
      expect.arrayContaining(['/system/user:create', '/system/scan-all:stop', '/system/catalog:read']),
    );
    expect(await mine(admin, '?scope=/system&relative=true')).toEqual(
      system.map((p) => p.replace('/system/', '')),
    );
    // An administrator may do everything anywhere, even in a project that does not exist.
    const anywhere = await mine(admin, '?scope=/project/999999&relative=true');
    expect(anywhere).toEqual(
      expect.arrayContaining(['.:read', '.:delete', 'repository:push', 'member:create']),
    );

    const asGuest = await mine(guest, `?scope=/project/${closed}`);
    expect(asGuest).toEqual(
      expect.arrayContaining([`/project/${closed}:read`, `/project/${closed}/repository:pull`]),
    );
    expect(asGuest).not.toContain(`/project/${closed}/repository:push`);
    expect(asGuest).not.toContain(`/project/${closed}/member:create`);
    const relative = await mine(guest, `?scope=/project/${closed}&relative=true`);
    expect(relative).toEqual(
      asGuest.map((p) => p.replace(`/project/${closed}/`, '').replace(`/project/${closed}:`, '.:')),
    );
    // The project admin may manage members; the robot what it holds, Harbor's names included.
    expect(await mine(lead, `?scope=/project/${closed}&relative=true`)).toEqual(
      expect.arrayContaining(['member:create', 'robot:create', 'repository:push']),
    );
    expect(await mine(robot, `?scope=/project/${closed}&relative=true`)).toEqual(
      expect.arrayContaining(['repository:pull', 'tag-retention:list']),
    );
    expect(await mine(robot, `?scope=/project/${closed}&relative=true`)).not.toContain('repository:push');

    // Outside their projects: nothing in a private one, what anyone may in a public one.
    const other = admin.as('srch-other', password);
    expect(await mine(other, `?scope=/project/${closed}`)).toEqual([]);
    const inPublic = await mine(other, `?scope=/project/${open}&relative=true`);
    expect(inPublic).toEqual(expect.arrayContaining(['.:read', 'repository:pull', 'artifact:read']));
    expect(inPublic).not.toContain('repository:push');
    // Users who are no administrators have no system permission; a scope Harbor cannot read gives nothing.
    for (const query of ['?scope=/system', '', '?scope=', '?scope=/project/perm-closed', '?scope=/elsewhere'])
      expect({ query, got: await mine(guest, query) }).toEqual({ query, got: [] });
    expect((await admin.anonymous().call('GET', '/users/current/permissions?scope=/system')).status).toBe(
      401,
    );
  });

  it('lets anyone signed in search users by name, seeing ids and names only', async () => {
    const found = await guest.call<Record<string, unknown>[]>(
      'GET',
      '/users/search?username=srch-&page_size=2',
    );
    expect(found.status).toBe(200);
    expect(found.body).toHaveLength(2);
    expect(found.headers.get('x-total-count')).toBe('3');
    expect(found.headers.get('link')).toContain('rel="next"');
    for (const item of found.body) expect(Object.keys(item).sort()).toEqual(['user_id', 'username']);
    expect(found.body.map((u) => u.username)).toEqual(['srch-guest', 'srch-lead']);
    const byRobot = await robot.call<{ username: string }[]>('GET', '/users/search?username=OTHER');
    expect(byRobot.body.map((u) => u.username)).toEqual(['srch-other']);
    expect((await guest.call<unknown[]>('GET', '/users/search?username=nobody-like-this')).body).toEqual([]);
    expect((await guest.call('GET', '/users/search')).status).toBe(400);
    expect((await admin.anonymous().call('GET', '/users/search?username=srch')).status).toBe(401);
  });

  it('refuses CLI secrets outside OIDC sign-in with 412, to anyone', async () => {
    const me = (await guest.call<{ user_id: number }>('GET', '/users/current')).body.user_id;
    for (const client of [guest, admin, admin.anonymous()]) {
      const res = await client.call('PUT', `/users/${me}/cli_secret`, { secret: 'N3wSecret' });
      expect({ status: res.status, error: errorOf(res) }).toEqual({
        status: 412,
        error: { code: 'PRECONDITION', message: 'unable to update CLI secret under authmode: db_auth' },
      });
    }
  });
});
