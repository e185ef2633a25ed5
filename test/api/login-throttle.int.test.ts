import { describe, expect, it } from 'vitest';
import { useBackend } from '../support/matrix.js';
import { adminAuthorization } from '../support/server.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('sign-in throttling over HTTP', () => {
  const b = useBackend(
    'sqlite',
    'filesystem',
    { 'auth.loginFailuresPerUser': 2, 'auth.loginFailuresPerAddress': 100, 'auth.loginWindowSeconds': 120 },
    ['team'],
  );

  it('answers 429 with Retry-After on the API, /v2 and the token service once a name failed too often', async () => {
    const url = b.server.url;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/api/v2.0/users/current`, {
        headers: { Authorization: basic('admin', `wrong${i}`) },
      });
      expect(res.status).toBe(401);
    }
    const api = await fetch(`${url}/api/v2.0/users/current`, {
      headers: { Authorization: basic('admin', 'nope') },
    });
    expect(api.status).toBe(429);
    expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(await api.json()).toEqual({
      errors: [{ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('too many failed sign-ins') }],
    });

    const registry = await fetch(`${url}/v2/team/app/tags/list`, {
      headers: { Authorization: basic('admin', 'nope') },
    });
    expect(registry.status).toBe(429);
    expect(registry.headers.get('retry-after')).not.toBeNull();
    expect(((await registry.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'TOOMANYREQUESTS',
    );

    const token = await fetch(`${url}/service/token?service=berth-registry`, {
      headers: { Authorization: basic('admin', 'nope') },
    });
    expect(token.status).toBe(429);

    // The administrator's own client, signed in before the guessing started, keeps working.
    const own = await fetch(`${url}/api/v2.0/users/current`, {
      headers: { Authorization: adminAuthorization },
    });
    expect(own.status).toBe(200);
  });
});

describe.each([
  ['believed from a trusted proxy', ['loopback'], [401, 401, 429, 401]],
  ['ignored from anyone else', [], [401, 401, 429, 429]],
] as const)('forwarded client addresses %s', (_name, trustedProxies, statuses) => {
  const b = useBackend('sqlite', 'filesystem', {
    'auth.loginFailuresPerUser': 100,
    'auth.loginFailuresPerAddress': 2,
    'auth.loginWindowSeconds': 120,
    'http.trustedProxies': trustedProxies,
  });

  it('count failed sign-ins per the address that applies', async () => {
    const seen: number[] = [];
    // Each attempt names another user, so only the per-address count can refuse it.
    for (const [i, forwarded] of ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2'].entries()) {
      const res = await fetch(`${b.server.url}/api/v2.0/users/current`, {
        headers: { Authorization: basic(`guess${i}`, 'nope'), 'X-Forwarded-For': forwarded },
      });
      seen.push(res.status);
    }
    expect(seen).toEqual(statuses);
  });
});
