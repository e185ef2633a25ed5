import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { csrfMatches, SessionService } from '../../src/domain/session/index.js';
import { UserService } from '../../src/domain/user/index.js';
import { adminApiClient } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { createTestDatabase, type TestDatabase, testSignals } from '../support/services.js';

interface SignedIn {
  cookie: string;
  csrf: string;
  token: string;
}

describe.each(['sqlite', 'postgres'] as const)('portal sessions (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem');
  let robotName = '';
  let robotSecret = '';

  const login = async (principal: string, password: string, form = true): Promise<Response> =>
    fetch(`${b.server.url}/c/login`, {
      method: 'POST',
      headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form
        ? new URLSearchParams({ principal, password }).toString()
        : JSON.stringify({ principal, password }),
    });

  const signIn = async (principal: string, password: string): Promise<SignedIn> => {
    const res = await login(principal, password);
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const sid = cookies.find((c) => c.startsWith('sid='));
    const csrf = cookies.find((c) => c.startsWith('__csrf='));
    expect(sid).toMatch(/HttpOnly/i);
    expect(sid).toMatch(/SameSite=Lax/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
    const body = (await res.json()) as { token: string; csrf_token: string };
    expect(res.headers.get('x-harbor-csrf-token')).toBe(body.csrf_token);
    return {
      cookie: `${sid?.split(';')[0]}; ${csrf?.split(';')[0]}`,
      csrf: body.csrf_token,
      token: body.token,
    };
  };

  const api = (path: string, init: RequestInit = {}) => fetch(`${b.server.url}/api/v2.0${path}`, init);

  beforeAll(async () => {
    const admin = await adminApiClient(b.server.url);
    expect((await admin.call('POST', '/users', { username: 'pat', password: 'Passw0rd!' })).status).toBe(201);
    const robot = await admin.call<{ name: string; secret: string }>('POST', '/robots', {
      name: 'ci',
      duration: -1,
      level: 'system',
      permissions: [
        { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    });
    expect(robot.status).toBe(201);
    robotName = robot.body.name;
    robotSecret = robot.body.secret;
  });

  it('signs in with a form or JSON and authenticates API calls by the session cookie', async () => {
    const session = await signIn('pat', 'Passw0rd!');
    const me = await api('/users/current', { headers: { Cookie: session.cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('pat');
    expect((await login('pat', 'Passw0rd!', false)).status).toBe(200);
  });

  it('requires the CSRF token on unsafe cookie-authenticated requests, not on bearer ones', async () => {
    const session = await signIn('pat', 'Passw0rd!');
    const create = (headers: Record<string, string>, name: string) =>
      api('/projects', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ project_name: name, metadata: { public: 'false' } }),
      });
    const missing = await create({ Cookie: session.cookie }, 'pats');
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain(
      'CSRF',
    );
    const wrong = await create({ Cookie: session.cookie, 'X-Harbor-CSRF-Token': 'x'.repeat(43) }, 'pats');
    expect(wrong.status).toBe(403);
    expect(
      (await create({ Cookie: session.cookie, 'X-Harbor-CSRF-Token': session.csrf }, 'pats')).status,
    ).toBe(201);
    expect((await create({ Authorization: `Bearer ${session.token}` }, 'pats-two')).status).toBe(201);
    expect((await api('/users/current', { headers: { Authorization: 'Bearer nonsense' } })).status).toBe(401);
  });

  it('refuses wrong passwords, malformed forms and robot accounts', async () => {
    expect((await login('pat', 'wrong')).status).toBe(401);
    expect((await login('', 'x')).status).toBe(400);
    expect((await login('nobody', 'Passw0rd!')).status).toBe(401);
    expect((await login(robotName, robotSecret)).status).toBe(403);
    const noPassword = await fetch(`${b.server.url}/c/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ principal: 'pat' }),
    });
    expect(noPassword.status).toBe(400);
    expect(((await noPassword.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('BAD_REQUEST');
  });

  it('speaks for the user as they are now: a revoked flag or a deleted user ends what it grants', async () => {
    const admin = await adminApiClient(b.server.url);
    expect((await admin.call('POST', '/users', { username: 'sam', password: 'Passw0rd!' })).status).toBe(201);
    const sam = await signIn('sam', 'Passw0rd!');
    const bearer = { Authorization: `Bearer ${sam.token}` };
    const me = (await (await api('/users/current', { headers: bearer })).json()) as { user_id: number };
    expect((await api('/users', { headers: bearer })).status).toBe(403);
    expect((await admin.call('PUT', `/users/${me.user_id}/sysadmin`, { sysadmin_flag: true })).status).toBe(
      200,
    );
    expect((await api('/users', { headers: bearer })).status).toBe(200);
    const current = (await (await api('/users/current', { headers: bearer })).json()) as {
      sysadmin_flag: boolean;
    };
    expect(current.sysadmin_flag).toBe(true);
    expect((await admin.call('PUT', `/users/${me.user_id}/sysadmin`, { sysadmin_flag: false })).status).toBe(
      200,
    );
    expect((await api('/users', { headers: bearer })).status).toBe(403);
    expect((await admin.call('DELETE', `/users/${me.user_id}`)).status).toBe(200);
    expect((await api('/users/current', { headers: bearer })).status).toBe(401);
    expect((await api('/users/current', { headers: { Cookie: sam.cookie } })).status).toBe(401);
  });

  it('ends the session on sign-out and on a password change', async () => {
    const first = await signIn('pat', 'Passw0rd!');
    const out = await fetch(`${b.server.url}/c/log_out`, { headers: { Cookie: first.cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('sid=;'))).toBe(true);
    expect((await api('/users/current', { headers: { Cookie: first.cookie } })).status).toBe(401);

    const second = await signIn('pat', 'Passw0rd!');
    const me = (await (await api('/users/current', { headers: { Cookie: second.cookie } })).json()) as {
      user_id: number;
    };
    const changed = await api(`/users/${me.user_id}/password`, {
      method: 'PUT',
      headers: {
        Cookie: second.cookie,
        'X-Harbor-CSRF-Token': second.csrf,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ old_password: 'Passw0rd!', new_password: 'N3wPassw0rd!' }),
    });
    expect(changed.status).toBe(200);
    expect(
      (await api('/users/current', { headers: { Authorization: `Bearer ${second.token}` } })).status,
    ).toBe(401);
  });
});

describe('session lifetime', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let clock = 1_000_000;
  let sessions: SessionService;
  let userId = 0;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    handle = await database.open();
    const ctx = { db: handle.db, now: () => clock, signals: testSignals(handle) };
    userId = (await new UserService(ctx).create({ username: 'idle', password: 'Passw0rd!' })).id;
    sessions = new SessionService(ctx, { idleMs: 60_000, maxMs: 300_000 });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('names its user as the user model, and ends on revocation', async () => {
    const made = await sessions.create(userId);
    expect(made.expiresAt).toEqual(new Date(clock + 300_000));
    const active = await sessions.resolve(made.token);
    expect(active?.user).toMatchObject({ id: userId, username: 'idle', sysadmin: false });
    expect(active?.user.createdAt).toBeInstanceOf(Date);
    expect(csrfMatches(active?.csrfToken, made.csrfToken)).toBe(true);
    expect(csrfMatches(undefined, made.csrfToken)).toBe(false);
    expect(csrfMatches(`${made.csrfToken}x`, made.csrfToken)).toBe(false);
    await sessions.revoke(made.token);
    expect(await sessions.resolve(made.token)).toBeUndefined();
    expect(await sessions.resolve('never-issued')).toBeUndefined();
  });

  it('ends a session left idle, keeps a used one alive, and ends every session at its maximum age', async () => {
    const idle = await sessions.create(userId);
    const busy = await sessions.create(userId);
    for (let i = 0; i < 5; i++) {
      clock += 50_000;
      expect(await sessions.resolve(busy.token)).toBeDefined();
    }
    expect(await sessions.resolve(idle.token)).toBeUndefined();
    clock += 51_000;
    expect(await sessions.resolve(busy.token)).toBeUndefined();
  });
});
