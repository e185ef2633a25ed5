import { beforeAll, describe, expect, it } from 'vitest';
import { ociManifest, RegistryClient, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { adminAuthorization, createProjects } from '../support/server.js';

type Operation = 'pull' | 'push' | 'deleteManifest' | 'deleteBlob' | 'tags' | 'catalog';
type Caller =
  | 'sysadmin'
  | 'projectAdmin'
  | 'maintainer'
  | 'developer'
  | 'guest'
  | 'limitedGuest'
  | 'outsider'
  | 'anonymous'
  | 'robotPull'
  | 'robotPush'
  | 'robotDelete'
  | 'robotElsewhere';

/** Robot callers: the one permission each holds, and the project it holds it in (`*`: both here). */
const robots: Partial<Record<Caller, { resource: string; action: string; elsewhere?: boolean }>> = {
  robotPull: { resource: 'repository', action: 'pull' },
  robotPush: { resource: 'repository', action: 'push' },
  robotDelete: { resource: 'artifact', action: 'delete' },
  robotElsewhere: { resource: 'repository', action: 'pull', elsewhere: true },
};

const roles: Partial<Record<Caller, number>> = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
};
const password = 'Passw0rd!';
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The one table: who may do what on a repository of a private project (and, below, of a public one). */
const privateProject: Record<Caller, Operation[]> = {
  sysadmin: ['pull', 'push', 'deleteManifest', 'deleteBlob', 'tags', 'catalog'],
  projectAdmin: ['pull', 'push', 'deleteManifest', 'deleteBlob', 'tags'],
  maintainer: ['pull', 'push', 'deleteManifest', 'deleteBlob', 'tags'],
  developer: ['pull', 'push', 'tags'],
  guest: ['pull', 'tags'],
  limitedGuest: ['pull', 'tags'],
  outsider: [],
  anonymous: [],
  robotPull: ['pull', 'tags'],
  robotPush: ['push'],
  robotDelete: ['deleteManifest', 'deleteBlob'],
  robotElsewhere: [],
};
const publicProject: Record<Caller, Operation[]> = {
  ...privateProject,
  outsider: ['pull', 'tags'],
  anonymous: ['pull', 'tags'],
  robotPush: ['pull', 'push', 'tags'],
  robotDelete: ['pull', 'deleteManifest', 'deleteBlob', 'tags'],
  robotElsewhere: ['pull', 'tags'],
};
const robotAuthorization: Partial<Record<Caller, string>> = {};
const operations: Operation[] = ['pull', 'push', 'deleteManifest', 'deleteBlob', 'tags', 'catalog'];
const scopeOf = (op: Operation, repo: string) =>
  op === 'catalog'
    ? 'registry:catalog:*'
    : `repository:${repo}:${op === 'push' ? 'push' : op.startsWith('delete') ? 'delete' : 'pull'}`;

describe.each(['sqlite', 'postgres'] as const)('authorization of /v2 (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem', {}, []);
  const image: Record<string, { manifest: string; blob: string }> = {};

  beforeAll(async () => {
    await createProjects(b.server.url, ['private']);
    await createProjects(b.server.url, ['public'], true);
    const api = (path: string, body: unknown) =>
      fetch(`${b.server.url}/api/v2.0${path}`, {
        method: 'POST',
        headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    await createProjects(b.server.url, ['elsewhere']);
    for (const [caller, grant] of Object.entries(robots)) {
      if (!grant) continue;
      const access = [{ resource: grant.resource, action: grant.action }];
      const res = await api('/robots', {
        name: caller.toLowerCase(),
        duration: -1,
        level: 'system',
        permissions: (grant.elsewhere ? ['elsewhere'] : ['private', 'public']).map((namespace) => ({
          kind: 'project',
          namespace,
          access,
        })),
      });
      expect(res.status).toBe(201);
      const robot = (await res.json()) as { name: string; secret: string };
      robotAuthorization[caller as Caller] =
        `Basic ${Buffer.from(`${robot.name}:${robot.secret}`).toString('base64')}`;
    }
    for (const caller of Object.keys(privateProject) as Caller[]) {
      if (caller === 'sysadmin' || caller === 'anonymous' || robots[caller]) continue;
      expect((await api('/users', { username: caller.toLowerCase(), password })).status).toBe(201);
      const role = roles[caller];
      if (role === undefined) continue;
      for (const project of ['private', 'public']) {
        expect(
          (
            await api(`/projects/${project}/members`, {
              role_id: role,
              member_user: { username: caller.toLowerCase() },
            })
          ).status,
        ).toBe(201);
      }
    }
  });

  /** Runs one operation as one caller (Basic, or Bearer from the token service, or nothing); returns the status. */
  async function attempt(
    caller: Caller,
    op: Operation,
    repo: string,
    via: 'basic' | 'token',
  ): Promise<number> {
    let authorization: string | undefined =
      caller === 'anonymous'
        ? undefined
        : caller === 'sysadmin'
          ? adminAuthorization
          : (robotAuthorization[caller] ?? basic(caller.toLowerCase()));
    if (via === 'token') {
      const res = await fetch(
        `${b.server.url}/service/token?service=berth-registry&scope=${encodeURIComponent(scopeOf(op, repo))}`,
        {
          headers: authorization ? { Authorization: authorization } : {},
        },
      );
      expect(res.status).toBe(200);
      authorization = `Bearer ${((await res.json()) as { token: string }).token}`;
    }
    const client = new RegistryClient(b.server.url, authorization);
    const admin = new RegistryClient(b.server.url, adminAuthorization);
    const fixture = image[repo] ?? (await seed(admin, repo));
    switch (op) {
      case 'pull':
        return (
          await client.request(`/v2/${repo}/manifests/${fixture.manifest}`, {
            headers: { Accept: ociManifest },
          })
        ).status;
      case 'tags':
        return (await client.request(`/v2/${repo}/tags/list`)).status;
      case 'catalog':
        return (await client.request('/v2/_catalog')).status;
      case 'push':
        return (
          await client.request(`/v2/${repo}/blobs/uploads/?digest=${sha256(`pushed by ${caller}`)}`, {
            method: 'POST',
            body: `pushed by ${caller}`,
          })
        ).status;
      case 'deleteBlob':
        return (await client.request(`/v2/${repo}/blobs/${fixture.blob}`, { method: 'DELETE' })).status;
      case 'deleteManifest': {
        const status = (
          await client.request(`/v2/${repo}/manifests/${fixture.manifest}`, { method: 'DELETE' })
        ).status;
        if (status === 202) delete image[repo];
        return status;
      }
    }
  }

  async function seed(admin: RegistryClient, repo: string) {
    const pushed = await admin.pushImage(repo, 'v1', { layers: [`layer of ${repo} ${Math.random()}`] });
    const manifest = JSON.parse(pushed.body) as { layers: { digest: string }[] };
    image[repo] = { manifest: pushed.digest, blob: manifest.layers[0]?.digest as string };
    return image[repo] as { manifest: string; blob: string };
  }

  const cases = (table: Record<Caller, Operation[]>, project: string) =>
    (Object.keys(table) as Caller[]).flatMap((caller) =>
      operations.map((op) => [caller, op, project, table[caller].includes(op)] as const),
    );

  it.each([...cases(privateProject, 'private'), ...cases(publicProject, 'public')])(
    '%s may %s in the %s project: %s (Basic and token)',
    async (caller, op, project, allowed) => {
      const repo = `${project}/app-${caller.toLowerCase()}-${op.toLowerCase()}`;
      for (const via of ['basic', 'token'] as const) {
        if (op === 'deleteManifest' || op === 'deleteBlob') delete image[repo];
        const status = await attempt(caller, op, repo, via);
        if (allowed) {
          expect({ via, status }).toEqual({
            via,
            status: op === 'push' ? 201 : op.startsWith('delete') ? 202 : 200,
          });
        } else {
          const expected = via === 'token' || caller === 'anonymous' ? 401 : 403;
          expect({ via, status }).toEqual({ via, status: expected });
        }
      }
    },
  );

  it('challenges anonymous callers with the realm, service and scope', async () => {
    const res = await fetch(`${b.server.url}/v2/private/app/tags/list`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${b.server.url}/service/token",service="berth-registry",scope="repository:private/app:pull"`,
    );
    const base = await fetch(`${b.server.url}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers.get('www-authenticate')).toBe(
      `Bearer realm="${b.server.url}/service/token",service="berth-registry"`,
    );
    expect((await fetch(`${b.server.url}/v2/`, { headers: { Authorization: basic('guest') } })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${b.server.url}/v2/`, { headers: { Authorization: 'Basic bm9ib2R5Om5vcGU=' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${b.server.url}/v2/`, { headers: { Authorization: 'Bearer not.a.token' } })).status,
    ).toBe(401);
  });

  it('answers the same for a missing project as for a private one', async () => {
    const outsider = new RegistryClient(b.server.url, basic('outsider'));
    const a = await outsider.request('/v2/private/app/tags/list');
    const c = await outsider.request('/v2/nosuchproject/app/tags/list');
    expect([a.status, c.status]).toEqual([403, 403]);
    const code = async (res: Response) =>
      ((await res.json()) as { errors: { code: string }[] }).errors[0]?.code;
    expect(await code(a)).toBe(await code(c));
  });

  it('issues tokens that grant only what was allowed, by GET and by the OAuth2 password and refresh forms', async () => {
    const get = await fetch(
      `${b.server.url}/service/token?service=berth-registry&scope=repository:private/app:pull,push,delete&offline_token=true`,
      {
        headers: { Authorization: basic('developer') },
      },
    );
    const body = (await get.json()) as {
      token: string;
      access_token: string;
      expires_in: number;
      issued_at: string;
      refresh_token?: string;
    };
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1] as string, 'base64url').toString()) as {
      access: unknown;
      sub: string;
      aud: string;
    };
    expect(claims).toMatchObject({
      sub: 'developer',
      aud: 'berth-registry',
      access: [{ type: 'repository', name: 'private/app', actions: ['pull', 'push'] }],
    });
    expect(body.refresh_token).toBeDefined();

    const refreshed = await fetch(`${b.server.url}/service/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: body.refresh_token as string,
        service: 'berth-registry',
        scope: 'repository:private/app:pull',
      }),
    });
    expect(refreshed.status).toBe(200);
    // Changing the password revokes refresh tokens issued before it.
    const developerId = (
      (await (
        await fetch(`${b.server.url}/api/v2.0/users/current`, {
          headers: { Authorization: basic('developer') },
        })
      ).json()) as { user_id: number }
    ).user_id;
    // In the same second as the tokens were issued: revocation does not depend on the clock.
    const before = await fetch(`${b.server.url}/v2/private/app/tags/list`, {
      headers: { Authorization: `Bearer ${body.token}` },
    });
    expect(before.status).toBe(404); // let in; the repository is not there
    const changed = await fetch(`${b.server.url}/api/v2.0/users/${developerId}/password`, {
      method: 'PUT',
      headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ new_password: password }),
    });
    expect(changed.status).toBe(200);
    const revoked = await fetch(`${b.server.url}/service/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: body.refresh_token as string,
        service: 'berth-registry',
      }),
    });
    expect(revoked.status).toBe(401);
    // The access token issued before the change stops working too.
    const after = await fetch(`${b.server.url}/v2/private/app/tags/list`, {
      headers: { Authorization: `Bearer ${body.token}` },
    });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain(
      'revoked',
    );
    const byPassword = await fetch(`${b.server.url}/service/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'guest',
        password,
        service: 'berth-registry',
        scope: 'repository:private/app:push,pull',
      }),
    });
    const guestClaims = JSON.parse(
      Buffer.from(
        ((await byPassword.json()) as { token: string }).token.split('.')[1] as string,
        'base64url',
      ).toString(),
    );
    expect(guestClaims.access).toEqual([{ type: 'repository', name: 'private/app', actions: ['pull'] }]);

    const wrong = await fetch(`${b.server.url}/service/token?service=berth-registry`, {
      headers: { Authorization: 'Basic Z3Vlc3Q6bm9wZQ==' },
    });
    expect(wrong.status).toBe(401);
    const refreshAsAccess = await fetch(`${b.server.url}/v2/private/app/tags/list`, {
      headers: { Authorization: `Bearer ${body.refresh_token}` },
    });
    expect(refreshAsAccess.status).toBe(401);
    const badGrant = await fetch(`${b.server.url}/service/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(badGrant.status).toBe(405);
  });

  it('ends a deleted account’s tokens, also when an account of the same name is made again', async () => {
    const admin = { Authorization: adminAuthorization, 'Content-Type': 'application/json' };
    const create = () =>
      fetch(`${b.server.url}/api/v2.0/users`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ username: 'phoenix', password }),
      });
    const created = await create();
    expect(created.status).toBe(201);
    const id = created.headers.get('location')?.split('/').pop();
    const issued = (await (
      await fetch(
        `${b.server.url}/service/token?service=berth-registry&scope=repository:public/app:pull&offline_token=true`,
        {
          headers: { Authorization: basic('phoenix') },
        },
      )
    ).json()) as { token: string; refresh_token: string };
    const refresh = () =>
      fetch(`${b.server.url}/service/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: issued.refresh_token,
          service: 'berth-registry',
        }),
      });
    const catalogue = () =>
      fetch(`${b.server.url}/v2/public/app/tags/list`, {
        headers: { Authorization: `Bearer ${issued.token}` },
      });
    expect((await refresh()).status).toBe(200);
    expect((await catalogue()).status).not.toBe(401);
    expect(
      (
        await fetch(`${b.server.url}/api/v2.0/users/${id}`, {
          method: 'DELETE',
          headers: { Authorization: adminAuthorization },
        })
      ).status,
    ).toBe(200);
    expect((await refresh()).status).toBe(401);
    expect((await catalogue()).status).toBe(401);
    // The new phoenix is another account: the old one's tokens stay ended, its own work.
    expect((await create()).status).toBe(201);
    expect((await refresh()).status).toBe(401);
    expect((await catalogue()).status).toBe(401);
    const own = (await (
      await fetch(`${b.server.url}/service/token?service=berth-registry&scope=repository:public/app:pull`, {
        headers: { Authorization: basic('phoenix') },
      })
    ).json()) as { token: string };
    const pulled = await fetch(`${b.server.url}/v2/public/app/tags/list`, {
      headers: { Authorization: `Bearer ${own.token}` },
    });
    expect(pulled.status).not.toBe(401);
  });

  it('lets a project admin manage members, and only them', async () => {
    const asUser = (user: string) => ({ Authorization: basic(user), 'Content-Type': 'application/json' });
    const list = await fetch(`${b.server.url}/api/v2.0/projects/private/members`, {
      headers: asUser('guest'),
    });
    expect(list.status).toBe(200);
    const members = (await list.json()) as { id: number; entity_name: string; role_name: string }[];
    expect(members.map((m) => `${m.entity_name}:${m.role_name}`)).toEqual(
      expect.arrayContaining([
        'admin:projectAdmin',
        'projectadmin:projectAdmin',
        'maintainer:maintainer',
        'developer:developer',
        'guest:guest',
      ]),
    );
    const outsiderId = (
      (await (
        await fetch(`${b.server.url}/api/v2.0/users/current`, { headers: asUser('outsider') })
      ).json()) as { user_id: number }
    ).user_id;
    const byGuest = await fetch(`${b.server.url}/api/v2.0/projects/private/members`, {
      method: 'POST',
      headers: asUser('maintainer'),
      body: JSON.stringify({ role_id: 3, member_user: { user_id: outsiderId } }),
    });
    expect(byGuest.status).toBe(403);
    expect(
      (await fetch(`${b.server.url}/api/v2.0/projects/private/members`, { headers: asUser('limitedguest') }))
        .status,
    ).toBe(403);
    expect(
      (await fetch(`${b.server.url}/api/v2.0/projects/private/members`, { headers: asUser('outsider') }))
        .status,
    ).toBe(404);
    const added = await fetch(`${b.server.url}/api/v2.0/projects/private/members`, {
      method: 'POST',
      headers: asUser('projectadmin'),
      body: JSON.stringify({ role_id: 3, member_user: { user_id: outsiderId } }),
    });
    expect(added.status).toBe(201);
    const location = added.headers.get('location') as string;
    const outsider = new RegistryClient(b.server.url, basic('outsider'));
    expect((await outsider.request('/v2/private/app-outsider-pull/tags/list')).status).not.toBe(403);
    expect(
      (
        await fetch(`${b.server.url}${location}`, {
          method: 'PUT',
          headers: asUser('projectadmin'),
          body: JSON.stringify({ role_id: 9 }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await fetch(`${b.server.url}${location}`, {
          method: 'PUT',
          headers: asUser('projectadmin'),
          body: JSON.stringify({ role_id: 2 }),
        })
      ).status,
    ).toBe(200);
    const again = await fetch(`${b.server.url}/api/v2.0/projects/private/members`, {
      method: 'POST',
      headers: asUser('projectadmin'),
      body: JSON.stringify({ role_id: 3, member_user: { username: 'outsider' } }),
    });
    expect(again.status).toBe(409);
    expect(
      (
        await fetch(`${b.server.url}${location}`, {
          method: 'DELETE',
          headers: { Authorization: basic('projectadmin') },
        })
      ).status,
    ).toBe(200);
    expect((await outsider.request('/v2/private/app-outsider-pull/tags/list')).status).toBe(403);
  });
});
