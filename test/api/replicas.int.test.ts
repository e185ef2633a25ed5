import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuthorization, createProjects, startTestServer, type TestServer } from '../support/server.js';
import {
  createTestDatabase,
  createTestStorage,
  type TestDatabase,
  type TestStorage,
} from '../support/services.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Polls `check` until it holds; fails when it does not within `ms` (the promise the issue makes: 2 s). */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`not honoured within ${ms} ms`);
    await sleep(25);
  }
}

/**
 * Two replicas over one PostgreSQL database and one store: what one of them changes about
 * credentials and permissions, the other honours within two seconds, and sign-in failures count
 * once for all of them.
 */
describe('two replicas over PostgreSQL', () => {
  let database: TestDatabase;
  let storage: TestStorage;
  let a: TestServer;
  let b: TestServer;
  const password = 'Passw0rd1';
  const settings = { 'auth.loginFailuresPerUser': 4, 'auth.credentialCacheSeconds': 600 };

  const call = (server: TestServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, init);
  const json = (authorization: string, method: string, body: unknown): RequestInit => ({
    method,
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const userId = async (name: string) => {
    const res = await call(a, `/api/v2.0/users?q=username%3D${name}`, {
      headers: { Authorization: adminAuthorization },
    });
    return ((await res.json()) as { user_id: number }[])[0]?.user_id as number;
  };
  const token = async (server: TestServer, authorization: string, scope: string) => {
    const res = await call(
      server,
      `/service/token?service=berth-registry&scope=${encodeURIComponent(scope)}`,
      {
        headers: { Authorization: authorization },
      },
    );
    expect(res.status).toBe(200);
    return `Bearer ${((await res.json()) as { token: string }).token}`;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    storage = await createTestStorage('filesystem');
    a = await startTestServer(database, storage, settings);
    b = await startTestServer(database, storage, settings);
    await createProjects(a.url, ['shared']);
    for (const name of ['pat', 'rob', 'mem', 'adm', 'guess']) {
      expect(
        (await call(a, '/api/v2.0/users', json(adminAuthorization, 'POST', { username: name, password })))
          .status,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await storage?.stop();
    await database?.drop();
  });

  it('ends a changed password on the other replica within 2 s, though it had the old one cached', async () => {
    const old = basic('pat', password);
    expect((await call(b, '/api/v2.0/users/current', { headers: { Authorization: old } })).status).toBe(200);
    const id = await userId('pat');
    const changed = await call(
      a,
      `/api/v2.0/users/${id}/password`,
      json(adminAuthorization, 'PUT', { new_password: 'N3wPassword' }),
    );
    expect(changed.status).toBe(200);
    await within(
      2000,
      async () => (await call(b, '/v2/', { headers: { Authorization: old } })).status === 401,
    );
    expect((await call(b, '/v2/', { headers: { Authorization: basic('pat', 'N3wPassword') } })).status).toBe(
      200,
    );
  });

  it('ends a disabled robot, and the tokens of a refreshed one, on the other replica within 2 s', async () => {
    const created = await call(
      a,
      '/api/v2.0/robots',
      json(adminAuthorization, 'POST', {
        name: 'ci',
        level: 'project',
        duration: -1,
        permissions: [
          { kind: 'project', namespace: 'shared', access: [{ resource: 'repository', action: 'pull' }] },
        ],
      }),
    );
    expect(created.status).toBe(201);
    const robot = (await created.json()) as { id: number; name: string; secret: string };
    const credentials = basic(robot.name, robot.secret);
    const bearer = await token(b, credentials, 'repository:shared/app:pull');
    expect((await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: bearer } })).status).toBe(
      404,
    );

    // A new secret: the robot's tokens from before it stop working on B too.
    const refreshed = await call(a, `/api/v2.0/robots/${robot.id}`, json(adminAuthorization, 'PATCH', {}));
    expect(refreshed.status).toBe(200);
    const secret = ((await refreshed.json()) as { secret: string }).secret;
    await within(
      2000,
      async () =>
        (await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: bearer } })).status === 401,
    );

    const current = basic(robot.name, secret);
    expect((await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: current } })).status).toBe(
      404,
    );
    const disabled = await call(
      a,
      `/api/v2.0/robots/${robot.id}`,
      json(adminAuthorization, 'PUT', { disable: true }),
    );
    expect(disabled.status).toBe(200);
    await within(
      2000,
      async () =>
        (await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: current } })).status === 401,
    );
  });

  it('ends a removed member’s tokens and a revoked administrator’s rights on the other replica within 2 s', async () => {
    const added = await call(
      a,
      '/api/v2.0/projects/shared/members',
      json(adminAuthorization, 'POST', { role_id: 3, member_user: { username: 'mem' } }),
    );
    expect(added.status).toBe(201);
    const memberPath = added.headers.get('location')?.replace(/^\/api\/v2\.0/, '') as string;
    const bearer = await token(b, basic('mem', password), 'repository:shared/app:pull');
    expect((await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: bearer } })).status).toBe(
      404,
    );
    expect(
      (
        await call(a, `/api/v2.0${memberPath}`, {
          method: 'DELETE',
          headers: { Authorization: adminAuthorization },
        })
      ).status,
    ).toBe(200);
    await within(
      2000,
      async () =>
        (await call(b, '/v2/shared/app/tags/list', { headers: { Authorization: bearer } })).status === 401,
    );

    const id = await userId('adm');
    expect(
      (
        await call(
          a,
          `/api/v2.0/users/${id}/sysadmin`,
          json(adminAuthorization, 'PUT', { sysadmin_flag: true }),
        )
      ).status,
    ).toBe(200);
    const adm = basic('adm', password);
    await within(
      2000,
      async () => (await call(b, '/api/v2.0/users', { headers: { Authorization: adm } })).status === 200,
    );
    expect(
      (
        await call(
          a,
          `/api/v2.0/users/${id}/sysadmin`,
          json(adminAuthorization, 'PUT', { sysadmin_flag: false }),
        )
      ).status,
    ).toBe(200);
    await within(
      2000,
      async () => (await call(b, '/api/v2.0/users', { headers: { Authorization: adm } })).status === 403,
    );
  });

  it('follows a project’s visibility changed on the other replica within 2 s', async () => {
    await createProjects(a.url, ['flip']);
    const anonymous = () => call(b, '/api/v2.0/projects/flip');
    expect((await anonymous()).status).toBe(404);
    expect(
      (
        await call(
          a,
          '/api/v2.0/projects/flip',
          json(adminAuthorization, 'PUT', { metadata: { public: 'true' } }),
        )
      ).status,
    ).toBe(200);
    await within(2000, async () => (await anonymous()).status === 200);
    expect(
      (
        await call(
          a,
          '/api/v2.0/projects/flip',
          json(adminAuthorization, 'PUT', { metadata: { public: 'false' } }),
        )
      ).status,
    ).toBe(200);
    await within(2000, async () => (await anonymous()).status === 404);
  });

  it('counts failed sign-ins once for all replicas', async () => {
    const wrong = basic('guess', 'Wrong12345');
    for (const server of [a, b, a, b]) {
      expect(
        (await call(server, '/api/v2.0/users/current', { headers: { Authorization: wrong } })).status,
      ).toBe(401);
    }
    for (const server of [a, b]) {
      const refused = await call(server, '/api/v2.0/users/current', {
        headers: { Authorization: basic('guess', password) },
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('tells an administrator pushing with a token that the project does not exist', async () => {
    const bearer = await token(a, adminAuthorization, 'repository:nosuch/hello:pull,push');
    const res = await call(b, '/v2/nosuch/hello/blobs/uploads/', {
      method: 'POST',
      headers: { Authorization: bearer },
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]).toMatchObject({
      code: 'NAME_UNKNOWN',
      message: expect.stringContaining('project nosuch does not exist'),
    });
    // Everyone else gets what a private project answers: a token that grants nothing.
    const outsider = await token(a, basic('rob', password), 'repository:nosuch/hello:pull,push');
    const refused = await call(b, '/v2/nosuch/hello/blobs/uploads/', {
      method: 'POST',
      headers: { Authorization: outsider },
    });
    const hidden = await call(b, '/v2/shared/hello/blobs/uploads/', {
      method: 'POST',
      headers: { Authorization: outsider },
    });
    expect([refused.status, hidden.status]).toEqual([401, 401]);
  });
});
