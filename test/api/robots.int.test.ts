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

  /** A system robot holding these `resource:action` permissions, and a client signed in as it. */
  const systemRobot = async (name: string, permissions: readonly string[]) => {
    const access = permissions.map((p) => {
      const [resource, action] = p.split(':');
      return { resource, action };
    });
    const res = await admin.call<Created>('POST', '/robots', {
      name,
      level: 'system',
      duration: -1,
      permissions: [{ kind: 'system', namespace: '/', access }],
    });
    expect(res.status).toBe(201);
    return { robot: res.body, as: admin.as(res.body.name, res.body.secret) };
  };

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
    expect((await asRobot.call('GET', '/users/current')).status).toBe(412);
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
    const weak = await owner.call('PATCH', `/robots/${created.id}`, { secret: 'weak' });
    expect(weak.status).toBe(400);
    // A chosen secret is not echoed (Harbor answers {}); it works at once, the generated one no more.
    const chosen = await owner.call<{ secret?: string }>('PATCH', `/robots/${created.id}`, {
      secret: 'Ch0senSecret',
    });
    expect(chosen).toMatchObject({ status: 200, body: {} });
    expect((await pull(refreshed.body.secret)).status).toBe(401);
    expect((await pull('Ch0senSecret')).status).toBe(200);

    const read = await owner.call<{
      name: string;
      disable: boolean;
      duration: number;
      permissions: unknown[];
    }>('GET', `/robots/${created.id}`);
    expect(read.body).toMatchObject({ name: 'robot$rproj+lifecycle', disable: false, duration: 7 });
    expect((await owner.call('DELETE', `/robots/${created.id}`)).status).toBe(200);
    expect((await pull('Ch0senSecret')).status).toBe(401);
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

  it('lists system robots, or a project’s with q=Level=project,ProjectID=N, filtered and sorted', async () => {
    const names = async (client: ApiClient, query: string) => {
      const res = await client.call<{ name: string }[]>('GET', `/robots?${query}`);
      expect(res.status).toBe(200);
      return res.body.map((r) => r.name);
    };
    const project = (id: number) => `q=${encodeURIComponent(`Level=project,ProjectID=${id}`)}`;
    // No Level (or Level=system) lists the system robots, whatever ProjectID says, as Harbor does.
    const system = await names(admin, 'page_size=100');
    expect(system).toContain('robot$mirror');
    expect(system.every((n) => !n.includes('+'))).toBe(true);
    expect(await names(admin, `q=${encodeURIComponent('Level=system')}&page_size=100`)).toEqual(system);
    expect(await names(admin, `q=${encodeURIComponent(`ProjectID=${projectId}`)}&page_size=100`)).toEqual(
      system,
    );
    expect(system).toEqual([...system].sort());

    for (const name of ['zeta', 'alpha']) await owner.call('POST', '/robots', projectRobot(name));
    const mine = await names(owner, `${project(projectId)}&page_size=100`);
    expect(mine).toEqual(expect.arrayContaining(['robot$rproj+ci', 'robot$rproj+alpha', 'robot$rproj+zeta']));
    expect(mine.every((n) => n.startsWith('robot$rproj+'))).toBe(true);
    expect(mine).toEqual([...mine].sort());
    const q = (terms: string) => `q=${encodeURIComponent(`Level=project,ProjectID=${projectId},${terms}`)}`;
    expect(await names(owner, `${q('name=~alp')}`)).toEqual(['robot$rproj+alpha']);
    // Harbor decodes q once more, so a literal + is sent as %2B inside q (as its portal does).
    expect(await names(owner, `${q('name=rproj%2Bzeta')}`)).toEqual(['robot$rproj+zeta']);
    expect(await names(owner, `${q('name=robot$rproj%2Bzeta')}`)).toEqual(['robot$rproj+zeta']);
    expect(await names(owner, `${q('name={rproj%2Bzeta rproj%2Balpha}')}&sort=-name`)).toEqual([
      'robot$rproj+zeta',
      'robot$rproj+alpha',
    ]);
    expect(await names(owner, `${q('disabled=false,duration=-1')}&page_size=100`)).toEqual(mine);
    const paged = await owner.call<unknown[]>('GET', `/robots?${project(projectId)}&page=1&page_size=1`);
    expect(paged.body).toHaveLength(1);
    expect(Number(paged.headers.get('x-total-count'))).toBe(mine.length);
    expect(paged.headers.get('link')).toContain('rel="next"');
    // An administrator asking for a project that does not exist gets an empty list.
    expect(await names(admin, project(999_999))).toEqual([]);

    // Only system administrators (and system robots holding robot:list) list system robots.
    expect((await owner.call('GET', '/robots')).status).toBe(403);
    expect((await owner.anonymous().call('GET', '/robots')).status).toBe(401);
    expect((await outsider.call('GET', `/robots?${project(projectId)}`)).status).toBe(404);
    const bad: [string, string][] = [
      ['Level=nope', 'bad request error level input'],
      ['Level=~proj', 'bad request error level input'],
      ['Level=project', 'must with project ID when to query project robots'],
      ['Level=project,ProjectID=abc', 'ProjectID must be a positive integer'],
      ['Level=project,ProjectID=0', 'ProjectID must be a positive integer'],
      ['secret=x', 'cannot filter by secret'],
    ];
    for (const [terms, message] of bad) {
      const res = await admin.call('GET', `/robots?q=${encodeURIComponent(terms)}`);
      expect({ terms, status: res.status, message: errorOf(res)?.message }).toEqual({
        terms,
        status: 400,
        message: expect.stringContaining(message),
      });
    }
    expect((await admin.call('GET', '/robots?sort=secret')).status).toBe(400);
  });

  it('hides robots from those who may not see them, and refuses bad requests in Harbor terms', async () => {
    const all = await admin.call<{ name: string; id: number }[]>('GET', '/robots?page_size=100');
    const mirror = all.body.find((r) => r.name === 'robot$mirror') as { id: number };
    const mine = await owner.call<{ name: string; id: number }[]>(
      'GET',
      `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projectId}`)}&page_size=100`,
    );
    const ci = mine.body.find((r) => r.name === 'robot$rproj+ci') as { id: number };
    expect((await outsider.call('GET', `/robots/${ci.id}`)).status).toBe(404);
    // Neither outsiders nor anonymous callers learn which robots exist: one answer for a robot in a
    // project they cannot see, a system robot and an id that names none.
    const answers = async (client: typeof outsider, id: number) => {
      const res = await client.call('GET', `/robots/${id}`);
      return { status: res.status, message: errorOf(res)?.message.replace(String(id), 'N') };
    };
    for (const client of [outsider, outsider.anonymous(), owner]) {
      const missing = await answers(client, 999_999);
      expect(await answers(client, mirror.id)).toEqual(missing);
      if (client !== owner) expect(await answers(client, ci.id)).toEqual(missing);
    }
    expect((await answers(outsider.anonymous(), 999_999)).status).toBe(404);
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect(
        (await owner.call(method, `/robots/${mirror.id}`, method === 'DELETE' ? undefined : {})).status,
      ).toBe(404);

    const cases: [unknown, number, string][] = [
      [projectRobot('ci'), 409, 'already exists'],
      [projectRobot('Bad Name'), 400, 'robot name is not in lower case'],
      [projectRobot('minus', pushPull, -2), 400, 'bad request error duration input: -2'],
      [projectRobot('huge', pushPull, 2 ** 31), 400, 'bad request error duration input'],
      [projectRobot('noaccess', []), 400, 'bad request empty access'],
      [{ ...projectRobot('noperm'), permissions: [] }, 400, 'bad request empty permission'],
      [
        projectRobot('weird', [{ resource: 'repository', action: 'fly' }]),
        400,
        'bad request permission: repository:fly',
      ],
      [projectRobot('star-action', [{ resource: 'repository', action: '*' }]), 400, 'bad request permission'],
      [
        projectRobot('operate', [{ resource: 'repository', action: 'operate' }]),
        400,
        'bad request permission',
      ],
      // A project robot stays in its project: no system permission, no second project, no `*`.
      [
        { ...projectRobot('sys'), permissions: [{ kind: 'system', namespace: '/', access: pushPull }] },
        400,
        'bad request permission',
      ],
      [
        {
          ...projectRobot('two'),
          permissions: [
            { kind: 'project', namespace: 'rproj', access: pushPull },
            { kind: 'project', namespace: 'rproj', access: pushPull },
          ],
        },
        400,
        'exactly one permission',
      ],
      [
        { ...projectRobot('kind'), permissions: [{ kind: 'group', namespace: 'rproj', access: pushPull }] },
        400,
        'bad request permission level: group',
      ],
      [
        { ...projectRobot('star'), permissions: [{ kind: 'project', namespace: '*', access: pushPull }] },
        404,
        'not found',
      ],
      [
        {
          ...projectRobot('elsewhere'),
          permissions: [{ kind: 'project', namespace: 'other', access: pushPull }],
        },
        404,
        'not found',
      ],
    ];
    for (const [body, status, message] of cases) {
      const res = await owner.call('POST', '/robots', body);
      expect({ body, status: res.status, message: errorOf(res)?.message }).toEqual({
        body,
        status,
        message: expect.stringContaining(message),
      });
    }
    // Harbor's duration 0 is its default lifetime, 30 days.
    const dflt = await owner.call<Created>('POST', '/robots', projectRobot('default-days', pushPull, 0));
    expect(dflt.status).toBe(201);
    expect(dflt.body.expires_at).toBeGreaterThan(Math.floor(Date.now() / 1000) + 30 * 86_400 - 60);
    expect((await owner.call<{ duration: number }>('GET', `/robots/${dflt.body.id}`)).body.duration).toBe(30);
  });

  it('updates a robot sent back as read, but never its name, level or project', async () => {
    const created = (await owner.call<Created>('POST', '/robots', projectRobot('editable'))).body;
    const read = (await owner.call<Record<string, unknown>>('GET', `/robots/${created.id}`)).body;
    // Harbor's portal sends the whole robot back, changed where the user changed it.
    const put = await owner.call('PUT', `/robots/${created.id}`, {
      ...read,
      description: 'changed',
      duration: 5,
    });
    expect(put.status).toBe(200);
    const after = await owner.call<{ description: string; duration: number; expires_at: number }>(
      'GET',
      `/robots/${created.id}`,
    );
    expect(after.body).toMatchObject({ description: 'changed', duration: 5 });
    const createdAt = Date.parse(read.creation_time as string) / 1000;
    expect(Math.abs(after.body.expires_at - (createdAt + 5 * 86_400))).toBeLessThan(2);
    const refused: [Record<string, unknown>, string][] = [
      [{ name: 'renamed' }, 'cannot update the level or name of robot'],
      [{ level: 'system' }, 'cannot update the level or name of robot'],
      [
        { permissions: [{ kind: 'project', namespace: 'other', access: pushPull }] },
        'a project robot stays in its project',
      ],
      [{ permissions: [] }, 'bad request empty permission'],
      [{ duration: -5 }, 'bad request error duration input'],
    ];
    for (const [body, message] of refused) {
      const res = await owner.call('PUT', `/robots/${created.id}`, body);
      expect({ body, status: res.status, message: errorOf(res)?.message }).toEqual({
        body,
        status: 400,
        message: expect.stringContaining(message),
      });
    }
    for (const name of ['editable', 'rproj+editable', 'robot$rproj+editable'])
      expect((await owner.call('PUT', `/robots/${created.id}`, { name, level: 'project' })).status).toBe(200);
    const narrowed = await owner.call('PUT', `/robots/${created.id}`, {
      permissions: [
        { kind: 'project', namespace: 'rproj', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    });
    expect(narrowed.status).toBe(200);
    const permissions = (await owner.call<{ permissions: unknown }>('GET', `/robots/${created.id}`)).body
      .permissions;
    expect(permissions).toEqual([
      { kind: 'project', namespace: 'rproj', access: [{ resource: 'repository', action: 'pull' }] },
    ]);
  });

  it('takes every permission of Harbor’s robot lists, and honours system permissions', async () => {
    const harbor = await admin.call<{
      system: { resource: string; action: string }[];
      project: { resource: string; action: string }[];
    }>('GET', '/permissions');
    expect(harbor.status).toBe(200);
    const everything = await admin.call<Created>('POST', '/robots', {
      name: 'everything',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'system', namespace: '/', access: harbor.body.system },
        { kind: 'project', namespace: '*', access: harbor.body.project },
      ],
    });
    expect(everything.status).toBe(201);
    const stored = await admin.call<{ permissions: { kind: string; access: unknown[] }[] }>(
      'GET',
      `/robots/${everything.body.id}`,
    );
    expect(stored.body.permissions.map((p) => [p.kind, p.access.length])).toEqual([
      ['system', harbor.body.system.length],
      ['project', harbor.body.project.length],
    ]);
    for (const wanted of [
      'scan-all:stop',
      'garbage-collection:stop',
      'label:create',
      'quota:update',
      'user:delete',
    ])
      expect(harbor.body.system.map((p) => `${p.resource}:${p.action}`)).toContain(wanted);
    for (const wanted of [
      'scan:stop',
      'sbom:stop',
      'label:list',
      'quota:read',
      'immutable-tag:create',
      'tag-retention:update',
      'notification-policy:delete',
      'preheat-policy:list',
      'export-cve:create',
      'member:update',
    ])
      expect(harbor.body.project.map((p) => `${p.resource}:${p.action}`)).toContain(wanted);
    // A project-level permission is not a system one, nor the other way round.
    const swapped = await admin.call('POST', '/robots', {
      name: 'swapped',
      level: 'system',
      duration: -1,
      permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'repository', action: 'pull' }] }],
    });
    expect({ status: swapped.status, message: errorOf(swapped)?.message }).toEqual({
      status: 400,
      message: 'bad request permission: repository:pull',
    });
    const namespace = await admin.call('POST', '/robots', {
      name: 'namespaced',
      level: 'system',
      duration: -1,
      permissions: [{ kind: 'system', namespace: 'rproj', access: [{ resource: 'user', action: 'list' }] }],
    });
    expect(namespace.status).toBe(400);

    // A system robot with user:list lists users, and nothing more; with robot:list and robot:read
    // it sees system robots, but never creates one.
    const { robot: clerk, as: asClerk } = await systemRobot('clerk', [
      'user:list',
      'user:read',
      'robot:list',
      'robot:read',
      'robot:create',
    ]);
    expect((await asClerk.call('GET', '/users')).status).toBe(200);
    const ownerId = (await owner.call<{ user_id: number }>('GET', '/users/current')).body.user_id;
    expect((await asClerk.call('GET', `/users/${ownerId}`)).status).toBe(200);
    expect(
      (await asClerk.call('POST', '/users', { username: 'by-robot', password: 'Passw0rd!' })).status,
    ).toBe(403);
    expect((await asClerk.call('PUT', `/users/${ownerId}`, { realname: 'x' })).status).toBe(403);
    expect((await asClerk.call('GET', '/robots')).status).toBe(200);
    expect((await asClerk.call('GET', `/robots/${everything.body.id}`)).status).toBe(200);
    const made = await asClerk.call('POST', '/robots', {
      name: 'by-clerk',
      level: 'system',
      duration: -1,
      permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }] }],
    });
    expect({ status: made.status, message: errorOf(made)?.message }).toEqual({
      status: 403,
      message: expect.stringContaining('robot accounts may not'),
    });
    expect((await asClerk.call('DELETE', `/robots/${everything.body.id}`)).status).toBe(403);
    const scope = await asClerk.call<{ resource: string; action: string }[]>(
      'GET',
      '/users/current/permissions?scope=/system&relative=true',
    );
    expect(scope.body).toEqual(
      expect.arrayContaining([
        { resource: 'user', action: 'list' },
        { resource: 'user', action: 'read' },
      ]),
    );
    expect(scope.body.some((p) => p.resource === 'user' && p.action === 'create')).toBe(false);

    // The registry's catalog is the system permission catalog:read.
    const catalog = async (name: string, secret: string) =>
      (await new RegistryClient(b.server.url, basic(name, secret)).request('/v2/_catalog')).status;
    expect(await catalog(clerk.name, clerk.secret)).toBe(403);
    expect(await catalog(everything.body.name, everything.body.secret)).toBe(200);
  });

  it('lets a system robot use the scanners, scan all and volumes as far as its permissions go', async () => {
    const { robot: operator, as: asOperator } = await systemRobot('scan-operator', [
      'scanner:list',
      'scanner:read',
      'scan-all:read',
      'scan-all:stop',
      'system-volumes:read',
    ]);
    const scanners = await asOperator.call<{ uuid: string }[]>('GET', '/scanners');
    expect(scanners.status).toBe(200);
    const builtIn = scanners.body[0]?.uuid as string;
    const allowed = [
      ['GET', `/scanners/${builtIn}`],
      ['GET', '/scans/all/metrics'],
      ['GET', '/scans/schedule/metrics'],
      ['GET', '/systeminfo/volumes'],
    ] as const;
    for (const [method, path] of allowed)
      expect({ path, status: (await asOperator.call(method, path)).status }).toEqual({ path, status: 200 });
    // (No schedule is set, so Harbor's answer has no body: read its status only.)
    const schedule = await fetch(`${b.server.url}/api/v2.0/system/scanAll/schedule`, {
      headers: { Authorization: basic(operator.name, operator.secret) },
    });
    expect(schedule.status).toBe(200);
    // What the robot holds no permission for stays an administrator's.
    const refused = [
      ['POST', '/scanners', { name: 'x', url: 'http://127.0.0.1:1' }],
      ['PATCH', `/scanners/${builtIn}`, { is_default: true }],
      ['DELETE', `/scanners/${builtIn}`, undefined],
      ['POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } }],
      ['PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } }],
      ['PUT', '/system/CVEAllowlist', { items: [] }],
    ] as const;
    for (const [method, path, body] of refused)
      expect({ method, path, status: (await asOperator.call(method, path, body)).status }).toEqual({
        method,
        path,
        status: 403,
      });
  });

  it('keeps a robot’s project by id: one made again under the name is not covered', async () => {
    await createProjects(b.server.url, ['phoenix']);
    const res = await admin.call<Created>('POST', '/robots', {
      name: 'phoenix-reader',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'project', namespace: 'phoenix', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    });
    expect(res.status).toBe(201);
    const robot = new RegistryClient(b.server.url, basic(res.body.name, res.body.secret));
    expect((await robot.request('/v2/phoenix/app/tags/list')).status).toBe(404);
    expect((await admin.call('DELETE', '/projects/phoenix')).status).toBe(200);
    expect((await owner.call('POST', '/projects', { project_name: 'phoenix' })).status).toBe(201);
    const again = await robot.request('/v2/phoenix/app/tags/list');
    expect([401, 403]).toContain(again.status);
    // Naming a project that does not exist is refused, as Harbor does.
    const missing = await admin.call('POST', '/robots', {
      name: 'ghost',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'project', namespace: 'nosuch', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    });
    expect(missing.status).toBe(404);
  });
});
