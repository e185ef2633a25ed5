import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { RegistryClient, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { createProjects } from '../support/server.js';

const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const pushPull = [
  { resource: 'repository', action: 'pull' },
  { resource: 'repository', action: 'push' },
];

interface Created {
  id: number;
  name: string;
  secret: string;
  expires_at: number;
}

describe.each(['sqlite', 'postgres'] as const)('robot accounts (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem');
  let admin: ApiClient;
  let owner: ApiClient;
  let outsider: ApiClient;
  let projectId: number;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    for (const user of ['owner', 'outsider'])
      await admin.call('POST', '/users', { username: user, password: 'Passw0rd!' });
    owner = admin.as('owner', 'Passw0rd!');
    outsider = admin.as('outsider', 'Passw0rd!');
    expect((await owner.call('POST', '/projects', { project_name: 'rproj' })).status).toBe(201);
    projectId = (await owner.call<{ project_id: number }>('GET', '/projects/rproj')).body.project_id;
    await createProjects(b.server.url, ['other']);
  });

  const projectRobot = (name: string, access = pushPull, duration = -1) => ({
    name,
    description: 'CI pipeline',
    level: 'project',
    duration,
    permissions: [{ kind: 'project', namespace: 'rproj', access }],
  });

  it('lets a project admin create a project robot that pushes and pulls there, and only there', async () => {
    const res = await owner.call<Created>('POST', '/robots', projectRobot('ci'));
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('robot$rproj+ci');
    expect(res.body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(res.body.expires_at).toBe(-1);
    const robot = new RegistryClient(b.server.url, basic(res.body.name, res.body.secret));
    const image = await robot.pushImage('rproj/app', 'v1');
    expect((await robot.request(`/v2/rproj/app/manifests/${image.digest}`)).status).toBe(200);
    expect(
      (await robot.request(`/v2/rproj/app/manifests/${image.digest}`, { method: 'DELETE' })).status,
    ).toBe(403);
    expect((await robot.request('/v2/other/app/tags/list')).status).toBe(403);

    const token = await fetch(
      `${b.server.url}/service/token?service=berth-registry&scope=repository:rproj/app:pull,push,delete`,
      {
        headers: { Authorization: basic(res.body.name, res.body.secret) },
      },
    );
    const claims = JSON.parse(
      Buffer.from(
        ((await token.json()) as { token: string }).token.split('.')[1] as string,
        'base64url',
      ).toString(),
    );
    expect(claims).toMatchObject({
      sub: 'robot$rproj+ci',
      access: [{ name: 'rproj/app', actions: ['pull', 'push'] }],
    });

    // Robots act within their permissions only: no management as a user.
    const asRobot = admin.as(res.body.name, res.body.secret);
    expect((await asRobot.call('GET', '/users/current')).status).toBe(403);
    expect((await asRobot.call('POST', '/projects', { project_name: 'robotmade' })).status).toBe(403);
  });

  it('expires, disables and refreshes secrets, effective at once', async () => {
    const created = (await owner.call<Created>('POST', '/robots', projectRobot('lifecycle', pushPull, 7)))
      .body;
    const now = Math.floor(Date.now() / 1000);
    expect(created.expires_at).toBeGreaterThan(now + 7 * 86_400 - 60);
    expect(created.expires_at).toBeLessThan(now + 7 * 86_400 + 60);
    const pull = (secret: string) =>
      new RegistryClient(b.server.url, basic(created.name, secret)).request('/v2/rproj/app/tags/list');
    expect((await pull(created.secret)).status).toBe(200);

    expect((await owner.call('PUT', `/robots/${created.id}`, { disable: true })).status).toBe(200);
    expect((await pull(created.secret)).status).toBe(401);
    expect((await owner.call('PUT', `/robots/${created.id}`, { disable: false })).status).toBe(200);
    expect((await pull(created.secret)).status).toBe(200);

    const refreshed = await owner.call<{ secret: string }>('PATCH', `/robots/${created.id}`, {});
    expect(refreshed.status).toBe(200);
    expect((await pull(created.secret)).status).toBe(401);
    expect((await pull(refreshed.body.secret)).status).toBe(200);
    const chosen = await owner.call('PATCH', `/robots/${created.id}`, { secret: 'weak' });
    expect(chosen.status).toBe(400);

    const read = await owner.call<{
      name: string;
      disable: boolean;
      duration: number;
      permissions: unknown[];
    }>('GET', `/robots/${created.id}`);
    expect(read.body).toMatchObject({ name: 'robot$rproj+lifecycle', disable: false, duration: 7 });
    expect((await owner.call('DELETE', `/robots/${created.id}`)).status).toBe(200);
    expect((await pull(refreshed.body.secret)).status).toBe(401);
    expect((await owner.call('GET', `/robots/${created.id}`)).status).toBe(404);
  });

  it('keeps system robots to system administrators; a system robot may span every project', async () => {
    const body = {
      name: 'mirror',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    };
    expect((await owner.call('POST', '/robots', body)).status).toBe(403);
    const res = await admin.call<Created>('POST', '/robots', body);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('robot$mirror');
    const robot = new RegistryClient(b.server.url, basic(res.body.name, res.body.secret));
    expect((await robot.request('/v2/rproj/app/tags/list')).status).toBe(200);
    expect((await robot.request('/v2/other/app/tags/list')).status).toBe(404);
    expect(
      (
        await robot.request(`/v2/rproj/app/blobs/uploads/?digest=${sha256('x')}`, {
          method: 'POST',
          body: 'x',
        })
      ).status,
    ).toBe(403);
  });

  it('lists robots to those who may see them, and refuses bad requests in Harbor terms', async () => {
    const all = await admin.call<{ name: string }[]>('GET', '/robots?page_size=100');
    expect(all.body.map((r) => r.name)).toEqual(expect.arrayContaining(['robot$rproj+ci', 'robot$mirror']));
    const mine = await owner.call<{ name: string }[]>(
      'GET',
      `/robots?q=Level%3Dproject,ProjectID%3D${projectId}`,
    );
    expect(mine.status).toBe(200);
    expect(mine.body.every((r) => r.name.startsWith('robot$rproj+'))).toBe(true);
    expect((await owner.call('GET', '/robots')).status).toBe(403);
    expect((await outsider.call('GET', `/robots?q=ProjectID%3D${projectId}`)).status).toBe(404);
    const ci = all.body.find((r) => r.name === 'robot$rproj+ci') as unknown as { id: number };
    expect((await outsider.call('GET', `/robots/${ci.id}`)).status).toBe(404);
    // Neither outsiders nor anonymous callers learn which robots exist: one answer for a robot in a
    // project they cannot see, a system robot and an id that names none.
    const mirror = all.body.find((r) => r.name === 'robot$mirror') as unknown as { id: number };
    const answers = async (client: typeof outsider, id: number) => {
      const res = await client.call('GET', `/robots/${id}`);
      return { status: res.status, message: errorOf(res)?.message.replace(String(id), 'N') };
    };
    for (const client of [outsider, outsider.anonymous()]) {
      const missing = await answers(client, 999_999);
      expect(await answers(client, ci.id)).toEqual(missing);
      expect(await answers(client, mirror.id)).toEqual(missing);
    }
    expect((await answers(outsider.anonymous(), 999_999)).status).toBe(404);

    const cases: [unknown, number][] = [
      [projectRobot('ci'), 409],
      [projectRobot('Bad Name'), 400],
      [projectRobot('nodays', pushPull, 0), 400],
      [projectRobot('noaccess', []), 400],
      [projectRobot('weird', [{ resource: 'repository', action: 'fly' }]), 400],
      [
        { ...projectRobot('star'), permissions: [{ kind: 'project', namespace: '*', access: pushPull }] },
        404,
      ],
      [
        {
          ...projectRobot('elsewhere'),
          permissions: [{ kind: 'project', namespace: 'other', access: pushPull }],
        },
        404,
      ],
    ];
    for (const [body, status] of cases) {
      const res = await owner.call('POST', '/robots', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(errorOf(res)?.code).toBeDefined();
    }
  });
});
