import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { testAdminPassword } from '../support/server.js';

const adminPassword = testAdminPassword;

describe.each(['sqlite', 'postgres'] as const)('management API: users and projects (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem');
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  let anonymous: ApiClient;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    anonymous = admin.anonymous();
    for (const name of ['alice', 'bob']) {
      const res = await admin.call('POST', '/users', {
        username: name,
        password: 'Passw0rd!',
        email: `${name}@example.com`,
        realname: name,
      });
      expect(res.status).toBe(201);
    }
    alice = admin.as('alice', 'Passw0rd!');
    bob = admin.as('bob', 'Passw0rd!');
  });

  it('serves health and systeminfo to anyone', async () => {
    const health = await anonymous.call<{ status: string }>('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
    // Anonymous callers see what Harbor shows them (the sign-in page's needs); the rest needs a sign-in.
    const info = await anonymous.call<Record<string, unknown>>('GET', '/systeminfo');
    expect(info.body).toMatchObject({ auth_mode: 'db_auth' });
    expect(info.body.registry_storage_provider_name).toBeUndefined();
    const signedIn = await admin.call<Record<string, unknown>>('GET', '/systeminfo');
    expect(signedIn.body).toMatchObject({
      auth_mode: 'db_auth',
      registry_storage_provider_name: 'filesystem',
    });
  });

  it('bootstraps the system administrator and authenticates with Basic credentials', async () => {
    const me = await admin.call<{ username: string; sysadmin_flag: boolean }>('GET', '/users/current');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'admin', sysadmin_flag: true });
    const wrong = await admin.as('admin', 'nope').call('GET', '/users/current');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong)?.code).toBe('UNAUTHORIZED');
    const unknown = await admin.as('nobody', 'Passw0rd!').call('GET', '/users/current');
    expect(unknown.status).toBe(401);
    expect((await anonymous.call('GET', '/users/current')).status).toBe(401);
  });

  it('creates users (administrators only) with Harbor’s rules', async () => {
    const created = await admin.call('POST', '/users', {
      username: 'carol',
      password: 'Passw0rd!',
      email: 'carol@example.com',
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') as string;
    expect(location).toMatch(/^\/api\/v2\.0\/users\/\d+$/);
    const carol = await admin.call<{ username: string; sysadmin_flag: boolean; email: string }>(
      'GET',
      location.replace('/api/v2.0', ''),
    );
    expect(carol.body).toMatchObject({ username: 'carol', sysadmin_flag: false, email: 'carol@example.com' });

    const cases: [ApiClient, unknown, number, string][] = [
      [admin, { username: 'carol', password: 'Passw0rd!' }, 409, 'CONFLICT'],
      [admin, { username: 'dave', password: 'Passw0rd!', email: 'carol@example.com' }, 409, 'CONFLICT'],
      [admin, { username: 'erin', password: 'weak' }, 400, 'BAD_REQUEST'],
      [admin, { username: 'has space', password: 'Passw0rd!' }, 400, 'BAD_REQUEST'],
      [admin, { username: 'frank' }, 400, 'BAD_REQUEST'],
      [admin, { username: 'gina', password: 'Passw0rd!', email: 'not-an-email' }, 400, 'BAD_REQUEST'],
      [alice, { username: 'henry', password: 'Passw0rd!' }, 403, 'FORBIDDEN'],
      [anonymous, { username: 'ivan', password: 'Passw0rd!' }, 401, 'UNAUTHORIZED'],
    ];
    for (const [client, body, status, code] of cases) {
      const res = await client.call('POST', '/users', body);
      expect({ body, status: res.status, code: errorOf(res)?.code }).toEqual({ body, status, code });
    }
  });

  it('lets users read themselves but not others, and change their own password', async () => {
    const me = await bob.call<{ user_id: number }>('GET', '/users/current');
    const other = await alice.call<{ user_id: number }>('GET', '/users/current');
    expect((await bob.call('GET', `/users/${me.body.user_id}`)).status).toBe(200);
    expect((await bob.call('GET', `/users/${other.body.user_id}`)).status).toBe(403);
    expect((await admin.call('GET', '/users/999999')).status).toBe(404);

    const wrongOld = await bob.call('PUT', `/users/${me.body.user_id}/password`, {
      old_password: 'bad',
      new_password: 'N3wPassword',
    });
    expect(wrongOld.status).toBe(403);
    const noOld = await bob.call('PUT', `/users/${me.body.user_id}/password`, {
      new_password: 'N3wPassword',
    });
    expect(noOld.status).toBe(400);
    const changed = await bob.call('PUT', `/users/${me.body.user_id}/password`, {
      old_password: 'Passw0rd!',
      new_password: 'N3wPassword',
    });
    expect(changed.status).toBe(200);
    expect((await bob.call('GET', '/users/current')).status).toBe(401);
    bob = admin.as('bob', 'N3wPassword');
    expect((await bob.call('GET', '/users/current')).status).toBe(200);
    expect(
      (await bob.call('PUT', `/users/${other.body.user_id}/password`, { new_password: 'N3wPassword' }))
        .status,
    ).toBe(403);
    // An administrator resets anyone's password without the old one.
    expect(
      (await admin.call('PUT', `/users/${me.body.user_id}/password`, { new_password: 'Passw0rd!' })).status,
    ).toBe(200);
    bob = admin.as('bob', 'Passw0rd!');
  });

  it('lists, updates, promotes and deletes users as Harbor does', async () => {
    await admin.call('POST', '/users', {
      username: 'temp-user',
      password: 'Passw0rd!',
      email: 'temp@example.com',
    });
    const listed = await admin.call<{ username: string; user_id: number }[]>(
      'GET',
      '/users?q=username%3D~temp&page_size=100',
    );
    expect(listed.body.map((u) => u.username)).toEqual(['temp-user']);
    expect(listed.headers.get('x-total-count')).toBe('1');
    const all = await admin.call<{ username: string }[]>('GET', '/users?sort=-username&page_size=100');
    const names = all.body.map((u) => u.username);
    expect(names).toEqual([...names].sort().reverse());
    expect((await admin.call('GET', '/users?email=temp@example.com')).body).toHaveLength(1);
    expect((await alice.call('GET', '/users')).status).toBe(403);

    const id = listed.body[0]?.user_id as number;
    const temp = admin.as('temp-user', 'Passw0rd!');
    expect((await temp.call('PUT', `/users/${id}`, { realname: 'Temporary', comment: 'hi' })).status).toBe(
      200,
    );
    expect((await temp.call<{ realname: string }>('GET', `/users/${id}`)).body.realname).toBe('Temporary');
    expect((await temp.call('PUT', `/users/${id}`, { email: 'alice@example.com' })).status).toBe(409);
    expect((await alice.call('PUT', `/users/${id}`, { realname: 'x' })).status).toBe(403);

    expect((await temp.call('GET', '/users')).status).toBe(403);
    expect((await admin.call('PUT', `/users/${id}/sysadmin`, { sysadmin_flag: true })).status).toBe(200);
    expect((await temp.call('GET', '/users')).status).toBe(200);
    const me = (await admin.call<{ user_id: number }>('GET', '/users/current')).body.user_id;
    expect((await admin.call('PUT', `/users/${me}/sysadmin`, { sysadmin_flag: false })).status).toBe(403);
    expect((await admin.call('DELETE', `/users/${me}`)).status).toBe(403);
    // Another administrator may not delete the first one either (Harbor's user 1).
    expect((await temp.call('DELETE', `/users/${me}`)).status).toBe(403);
    expect((await temp.call('PUT', `/users/${me}/sysadmin`, { sysadmin_flag: false })).status).toBe(200);
    expect((await admin.call('GET', '/users')).status).toBe(403);
    expect((await temp.call('PUT', `/users/${me}/sysadmin`, { sysadmin_flag: true })).status).toBe(200);
    expect((await admin.call('GET', '/users')).status).toBe(200);
    expect((await temp.call('PUT', `/users/${id}/sysadmin`, { sysadmin_flag: false })).status).toBe(403);
    expect((await admin.call('PUT', `/users/${id}/sysadmin`, { sysadmin_flag: false })).status).toBe(200);

    await temp.call('POST', '/projects', { project_name: 'owned-by-temp' });
    expect((await admin.call('DELETE', `/users/${id}`)).status).toBe(412);
    expect((await admin.call('DELETE', '/projects/owned-by-temp')).status).toBe(200);
    expect((await admin.call('DELETE', `/users/${id}`)).status).toBe(200);
    expect((await temp.call('GET', '/users/current')).status).toBe(401);
    expect((await admin.call('GET', `/users/${id}`)).status).toBe(404);
  });

  it('filters and sorts users by every key Harbor accepts', async () => {
    for (const [name, realname] of [
      ['qa-one', 'Quinn'],
      ['qa-two', 'Alex'],
      ['qa-three', 'Zed'],
    ])
      expect(
        (
          await admin.call('POST', '/users', {
            username: name,
            password: 'Passw0rd!',
            email: `${name}@qa.example.com`,
            realname,
          })
        ).status,
      ).toBe(201);
    const names = async (query: string) => {
      const res = await admin.call<{ username: string }[]>('GET', `/users?${query}`);
      expect(res.status).toBe(200);
      return res.body.map((u) => u.username);
    };
    const q = (terms: string) => `q=${encodeURIComponent(terms)}&page_size=100`;
    // Harbor's default order is by user name.
    expect(await names(q('username=~qa-'))).toEqual(['qa-one', 'qa-three', 'qa-two']);
    expect(await names(`${q('Username=~qa-')}&sort=realname`)).toEqual(['qa-two', 'qa-one', 'qa-three']);
    expect(await names(`${q('username=~qa-')}&sort=-creation_time`)).toEqual([
      'qa-three',
      'qa-two',
      'qa-one',
    ]);
    expect(await names(q('username_or_email=qa-two@qa.example.com'))).toEqual(['qa-two']);
    expect(await names(q('username_or_email=qa-one'))).toEqual(['qa-one']);
    expect(await names(q('username={qa-one qa-two}'))).toEqual(['qa-one', 'qa-two']);
    expect(await names(q('email=~@qa.example,realname=Zed'))).toEqual(['qa-three']);
    expect(await names(q('sysadmin_flag=true'))).toEqual(['admin']);
    expect(
      await names(
        q(
          `creation_time=[2000-01-01T00:00:00~${new Date(Date.now() + 60_000).toISOString().slice(0, 19)}],username=~qa-o`,
        ),
      ),
    ).toEqual(['qa-one']);
    const one = (await admin.call<{ user_id: number }[]>('GET', `/users?${q('username=qa-one')}`)).body[0];
    expect(await names(q(`user_id=${one?.user_id}`))).toEqual(['qa-one']);
    // The legacy username and email parameters match parts of the name or address, as Harbor's.
    expect(await names('username=qa-t&page_size=100')).toEqual(['qa-three', 'qa-two']);
    expect(await names('email=TWO@QA&page_size=100')).toEqual(['qa-two']);
    const page = await admin.call<unknown[]>(
      'GET',
      `/users?q=${encodeURIComponent('username=~qa-')}&page=2&page_size=1`,
    );
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('x-total-count')).toBe('3');
    expect(page.headers.get('link')).toContain('rel="prev"');
    for (const bad of ['q=password%3Dx', 'q=nope%3D1', 'sort=password', 'q=user_id%3Dabc', 'q=username'])
      expect({ bad, status: (await admin.call('GET', `/users?${bad}`)).status }).toEqual({
        bad,
        status: 400,
      });
  });

  it('validates profiles and passwords as Harbor does', async () => {
    const me = (await alice.call<{ user_id: number }>('GET', '/users/current')).body.user_id;
    const profiles: [unknown, number][] = [
      [{ email: 'no-at-sign' }, 400],
      [{ email: 'a@b' }, 400],
      [{ realname: 'with, comma' }, 400],
      [{ realname: 'x'.repeat(256) }, 400],
      [{ comment: 'x'.repeat(31) }, 400],
      [{ email: 'bob@example.com' }, 409],
      [{ email: 'alice.new@example.com', realname: 'Alice A.', comment: 'hi' }, 200],
    ];
    for (const [body, status] of profiles)
      expect({ body, status: (await alice.call('PUT', `/users/${me}`, body)).status }).toEqual({
        body,
        status,
      });
    const read = await alice.call<{ email: string; realname: string; comment: string }>(
      'GET',
      `/users/${me}`,
    );
    expect(read.body).toMatchObject({ email: 'alice.new@example.com', realname: 'Alice A.', comment: 'hi' });
    expect((await admin.call('PUT', '/users/999999', { realname: 'x' })).status).toBe(404);
    // The new password must differ from the old one; an administrator changing their own may give
    // the old one (then it is checked) or leave it out.
    const same = await alice.call('PUT', `/users/${me}/password`, {
      old_password: 'Passw0rd!',
      new_password: 'Passw0rd!',
    });
    expect({ status: same.status, message: errorOf(same)?.message }).toEqual({
      status: 400,
      message: expect.stringContaining('identical'),
    });
    const adminId = (await admin.call<{ user_id: number }>('GET', '/users/current')).body.user_id;
    const wrongOld = await admin.call('PUT', `/users/${adminId}/password`, {
      old_password: 'wrong',
      new_password: 'Admin54321',
    });
    expect(wrongOld.status).toBe(403);
    expect((await admin.call('PUT', '/users/999999/password', { new_password: 'Admin54321' })).status).toBe(
      404,
    );
    expect(
      (await anonymous.call('PUT', `/users/${me}/password`, { new_password: 'Admin54321' })).status,
    ).toBe(401);
  });

  it('creates projects with the creator as project admin, and refuses bad ones', async () => {
    const res = await alice.call('POST', '/projects', {
      project_name: 'alpha',
      metadata: { public: 'false', auto_scan: 'true' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    const project = await alice.call<{
      name: string;
      owner_name: string;
      current_user_role_ids: number[];
      metadata: Record<string, string>;
    }>('GET', '/projects/alpha');
    expect(project.body).toMatchObject({ name: 'alpha', owner_name: 'alice', current_user_role_ids: [1] });
    expect(project.body.metadata).toEqual({ public: 'false', auto_scan: 'true' });

    const cases: [ApiClient, unknown, number, string][] = [
      [alice, { project_name: 'alpha' }, 409, 'CONFLICT'],
      [alice, { project_name: 'Alpha Beta' }, 400, 'BAD_REQUEST'],
      [alice, { project_name: 'a/b' }, 400, 'BAD_REQUEST'],
      [alice, {}, 400, 'BAD_REQUEST'],
      // Bodies are validated by type: a number is not a name (nor turned into one).
      [alice, { project_name: 123 }, 400, 'BAD_REQUEST'],
      [alice, { project_name: '123' }, 400, 'BAD_REQUEST'],
      [alice, { project_name: 'alpha', public: 'yes' }, 400, 'BAD_REQUEST'],
      [alice, { project_name: 'x'.repeat(256) }, 400, 'BAD_REQUEST'],
      [alice, { project_name: '-dash' }, 400, 'BAD_REQUEST'],
      [alice, { project_name: 'meta', metadata: { public: 'maybe' } }, 400, 'BAD_REQUEST'],
      [alice, { project_name: 'meta', metadata: { unknown_key: 'x' } }, 400, 'BAD_REQUEST'],
      [anonymous, { project_name: 'anon' }, 401, 'UNAUTHORIZED'],
    ];
    for (const [client, body, status, code] of cases) {
      const r = await client.call('POST', '/projects', body);
      expect({ body, status: r.status, code: errorOf(r)?.code }).toEqual({ body, status, code });
    }
    expect((await bob.call('HEAD', '/projects?project_name=alpha')).status).toBe(200);
    expect((await bob.call('HEAD', '/projects?project_name=nope')).status).toBe(404);
    expect((await anonymous.call('HEAD', '/projects?project_name=alpha')).status).toBe(401);
  });

  it('hides private projects from those without access (404, not 403)', async () => {
    await alice.call('POST', '/projects', { project_name: 'secret' });
    await alice.call('POST', '/projects', { project_name: 'open', public: true });
    for (const client of [anonymous, bob]) {
      const res = await client.call('GET', '/projects/secret');
      expect(res.status).toBe(404);
      expect(errorOf(res)?.code).toBe('NOT_FOUND');
      expect((await client.call('GET', '/projects/secret/summary')).status).toBe(404);
      expect((await client.call('PUT', '/projects/secret', { metadata: { public: 'true' } })).status).toBe(
        404,
      );
      expect((await client.call('DELETE', '/projects/secret')).status).toBe(404);
    }
    expect((await anonymous.call('GET', '/projects/open')).status).toBe(200);
    expect((await bob.call('PUT', '/projects/open', { metadata: { auto_scan: 'true' } })).status).toBe(403);
    expect((await admin.call('GET', '/projects/secret')).status).toBe(200);
  });

  it('lists what each caller may see, paginated with X-Total-Count and Link, filtered and sorted', async () => {
    for (const name of ['list-a', 'list-b', 'list-c'])
      await bob.call('POST', '/projects', { project_name: name, public: name !== 'list-b' });
    const names = async (client: ApiClient, query: string) =>
      (await client.call<{ name: string }[]>('GET', `/projects?${query}`)).body.map((p) => p.name);
    expect(await names(anonymous, 'q=name%3D~list-&page_size=100')).toEqual(['list-a', 'list-c']);
    expect(await names(bob, 'q=name%3D~list-&page_size=100')).toEqual(['list-a', 'list-b', 'list-c']);
    expect(await names(alice, 'q=name%3D~list-&page_size=100')).toEqual(['list-a', 'list-c']);
    expect(await names(admin, 'q=name%3D~list-&sort=-name&page_size=100')).toEqual([
      'list-c',
      'list-b',
      'list-a',
    ]);
    expect(await names(admin, 'name=list-b')).toEqual(['list-b']);
    expect(await names(admin, 'q=name%3D~list-,public%3Dtrue&page_size=100')).toEqual(['list-a', 'list-c']);

    const page = await admin.call<unknown[]>('GET', '/projects?q=name%3D~list-&page=2&page_size=1');
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('x-total-count')).toBe('3');
    const link = page.headers.get('link') as string;
    expect(link).toContain('page=1&page_size=1>; rel="prev"');
    expect(link).toContain('page=3&page_size=1>; rel="next"');

    // % and _ in a fuzzy filter match themselves, on both databases.
    for (const name of ['under_score', 'underxscore'])
      await bob.call('POST', '/projects', { project_name: name });
    expect(await names(admin, 'q=name%3D~under_&page_size=100')).toEqual(['under_score']);
    expect((await admin.call('GET', '/projects?q=colour%3Dx')).status).toBe(400);
    expect((await admin.call('GET', '/projects?sort=size')).status).toBe(400);
    expect((await admin.call('GET', '/projects?page_size=1000')).status).toBe(400);
    expect((await admin.call('GET', '/projects?page=0')).status).toBe(400);
  });

  it('updates metadata, summarises and deletes only empty projects', async () => {
    await alice.call('POST', '/projects', { project_name: 'lifecycle' });
    const update = await alice.call('PUT', '/projects/lifecycle', {
      metadata: { public: 'true', severity: 'high' },
    });
    expect(update.status).toBe(200);
    const after = await anonymous.call<{ metadata: Record<string, string> }>('GET', '/projects/lifecycle');
    expect(after.body.metadata).toMatchObject({ public: 'true', severity: 'high' });

    await b.client.pushBlob('lifecycle/app', 'data');
    const summary = await alice.call<{ repo_count: number; project_admin_count: number }>(
      'GET',
      '/projects/lifecycle/summary',
    );
    expect(summary.body).toMatchObject({ repo_count: 1, project_admin_count: 1 });
    const listed = await alice.call<{ repo_count: number }>('GET', '/projects/lifecycle');
    expect(listed.body.repo_count).toBe(1);

    const refused = await alice.call('DELETE', '/projects/lifecycle');
    expect(refused.status).toBe(412);
    expect(errorOf(refused)?.code).toBe('PRECONDITION');

    await alice.call('POST', '/projects', { project_name: 'empty' });
    const id = (await alice.call<{ project_id: number }>('GET', '/projects/empty')).body.project_id;
    expect((await alice.call('DELETE', `/projects/${id}`)).status).toBe(200);
    expect((await alice.call('GET', '/projects/empty')).status).toBe(404);
  });

  it('reads a numeric path as an id, or as a name with X-Is-Resource-Name', async () => {
    await alice.call('POST', '/projects', { project_name: 'byid' });
    const byName = await alice.call<{ project_id: number }>('GET', '/projects/byid');
    const id = String(byName.body.project_id);
    expect((await alice.call<{ name: string }>('GET', `/projects/${id}`)).body.name).toBe('byid');
    // A name is never all digits, so read as a name the id names nothing.
    const asName = await alice.call('GET', `/projects/${id}`, undefined, { 'X-Is-Resource-Name': 'true' });
    expect(asName.status).toBe(404);
  });

  it('publishes an OpenAPI 3 document with answers for every operation, and the /devcenter UI', async () => {
    const document = (await (await fetch(`${b.server.url}/api/v2.0/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: object }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    // HEAD routes are listed too (the full coverage of Harbor's operations: harbor-coverage.int.test.ts).
    expect(document.paths['/api/v2.0/projects']?.head).toBeDefined();
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations))
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    const ui = await fetch(`${b.server.url}/devcenter/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('answers unknown endpoints and malformed bodies in Harbor’s error shape', async () => {
    const unknown = await fetch(`${b.server.url}/api/v2.0/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      errors: [{ code: 'NOT_FOUND', message: expect.stringContaining('/api/v2.0/nope') }],
    });
    const broken = await fetch(`${b.server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`,
      },
      body: '{"project_name":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('BAD_REQUEST');
  });
});
