import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { hasAllLabels, LabelService } from '../../src/domain/label/index.js';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { createProjects } from '../support/server.js';

interface LabelBody {
  id: number;
  name: string;
  description?: string;
  color?: string;
  scope: string;
  project_id?: number;
  creation_time: string;
  update_time: string;
}

const password = 'Passw0rd!';
const roles = { maint: 4, dev: 2, guest: 3, limited: 5 } as const;

describe.each(['sqlite', 'postgres'] as const)('labels (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem');
  let admin: ApiClient;
  let anonymous: ApiClient;
  const as: Record<string, ApiClient> = {};
  const projectIds: Record<string, number> = {};
  let handle: DatabaseHandle;
  let service: LabelService;

  /** Creates a label as `client`, expecting 201; its id, from Location. */
  const create = async (client: ApiClient, body: Record<string, unknown>): Promise<number> => {
    const res = await client.call('POST', '/labels', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/labels\/\d+$/);
    return Number(location.split('/').pop());
  };
  const artifactId = async (path: string) =>
    (await admin.call<{ id: number }>('GET', `/projects/lp/repositories/${path}`)).body.id;
  const artifactsWith = async (term: Parameters<typeof hasAllLabels>[0]) =>
    (
      await handle.db
        .selectFrom('manifests as m')
        .select('m.id')
        .where(hasAllLabels(term))
        .orderBy('m.id')
        .execute()
    ).map((r) => r.id);

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    anonymous = admin.anonymous();
    for (const user of ['owner', 'maint', 'dev', 'guest', 'limited', 'outsider']) {
      expect((await admin.call('POST', '/users', { username: user, password })).status).toBe(201);
      as[user] = admin.as(user, password);
    }
    expect((await as.owner?.call('POST', '/projects', { project_name: 'lp' }))?.status).toBe(201);
    await createProjects(b.server.url, ['other']);
    await createProjects(b.server.url, ['pub'], true);
    for (const [user, role] of Object.entries(roles)) {
      const res = await admin.call('POST', '/projects/lp/members', {
        role_id: role,
        member_user: { username: user },
      });
      expect(res.status).toBe(201);
    }
    for (const name of ['lp', 'other', 'pub'])
      projectIds[name] = (
        await admin.call<{ project_id: number }>('GET', `/projects/${name}`)
      ).body.project_id;
    await b.client.pushImage('lp/app', 'v1', { layers: ['one'] });
    await b.client.pushImage('lp/app', 'v2', { layers: ['two'] });
    await b.client.pushImage('lp/team/app', 'v1', { layers: ['three'] });
    await b.client.pushImage('pub/app', 'v1', { layers: ['four'] });
    handle = await b.database.open();
    service = new LabelService({ db: handle.db, now: Date.now });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('keeps global labels to administrators to manage, and lists them to anyone', async () => {
    const id = await create(admin, {
      name: 'prod',
      description: 'in production',
      color: '#FF0000',
      scope: 'g',
    });
    // A project_id sent with a global label is ignored: global labels belong to no project.
    const bare = await create(admin, { name: 'bare', scope: 'g', project_id: projectIds.lp });

    const got = await admin.call<LabelBody>('GET', `/labels/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      id,
      name: 'prod',
      description: 'in production',
      color: '#FF0000',
      scope: 'g',
      creation_time: expect.any(String),
      update_time: expect.any(String),
    });
    // Harbor leaves out empty strings and a global label's project 0.
    expect(Object.keys((await admin.call<LabelBody>('GET', `/labels/${bare}`)).body).sort()).toEqual(
      ['creation_time', 'id', 'name', 'scope', 'update_time'].sort(),
    );

    const listed = await anonymous.call<LabelBody[]>('GET', '/labels?scope=g&name=pro');
    expect(listed.status).toBe(200);
    expect(listed.body.map((l) => l.name)).toEqual(['prod']);
    expect(listed.headers.get('x-total-count')).toBe('1');

    // One by one, a global label is the administrators' (Harbor's system label:read).
    expect((await as.owner?.call('GET', `/labels/${id}`))?.status).toBe(403);
    expect((await anonymous.call('GET', `/labels/${id}`)).status).toBe(401);
    expect((await as.owner?.call('POST', '/labels', { name: 'mine', scope: 'g' }))?.status).toBe(403);
    expect((await anonymous.call('POST', '/labels', { name: 'mine', scope: 'g' })).status).toBe(401);
    expect((await as.owner?.call('PUT', `/labels/${id}`, { name: 'x' }))?.status).toBe(403);
    expect((await as.owner?.call('DELETE', `/labels/${id}`))?.status).toBe(403);

    const duplicate = await admin.call('POST', '/labels', { name: 'prod', scope: 'g' });
    expect(duplicate.status).toBe(409);
    expect(errorOf(duplicate)).toEqual({ code: 'CONFLICT', message: 'label prod already exists' });
    // Names are unique within a scope (and project) only, and case-sensitive.
    await create(admin, { name: 'Prod', scope: 'g' });
    await create(as.owner as ApiClient, { name: 'prod', scope: 'p', project_id: projectIds.lp });
  });

  it('refuses what Harbor refuses: scopes, project ids and names', async () => {
    const bad = async (client: ApiClient, method: string, path: string, body?: unknown) => {
      const res = await client.call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      return errorOf(res)?.message;
    };
    expect(await bad(anonymous, 'GET', '/labels')).toMatch(/^invalid scope: /);
    expect(await bad(admin, 'GET', '/labels?scope=x')).toMatch(/^invalid scope: x/);
    expect(await bad(admin, 'GET', '/labels?scope=p')).toMatch(/project_id/);
    expect(await bad(admin, 'GET', '/labels?scope=p&project_id=0')).toMatch(/project_id/);
    expect(await bad(admin, 'GET', '/labels?scope=g&q=owner%3Dx')).toMatch(/cannot filter by owner/);
    expect(await bad(admin, 'GET', '/labels?scope=g&sort=size')).toMatch(/cannot sort by size/);
    expect(await bad(admin, 'POST', '/labels', { name: 'x' })).toMatch(/unsupported label scope/);
    expect(await bad(admin, 'POST', '/labels', { name: 'x', scope: 'p' })).toMatch(/project_id/);
    expect(await bad(admin, 'POST', '/labels', { scope: 'g' })).toMatch(/cannot be empty/);
    expect(await bad(admin, 'POST', '/labels', { name: '', scope: 'g' })).toMatch(/cannot be empty/);
    expect(await bad(admin, 'POST', '/labels', { name: 'é'.repeat(65), scope: 'g' })).toMatch(/128/);
    expect(await bad(admin, 'POST', '/labels', { name: 'x', scope: 'g', color: '#'.repeat(17) })).toMatch(
      /16/,
    );
    expect(await bad(admin, 'POST', '/labels', { name: 1, scope: 'g' })).toMatch(/name/);
    await create(admin, { name: 'n'.repeat(128), scope: 'g' });
    // A project that does not exist is not found, for administrators too.
    const missing = await admin.call('POST', '/labels', { name: 'x', scope: 'p', project_id: 999999 });
    expect(missing.status).toBe(404);
    expect((await admin.call('GET', '/labels?scope=p&project_id=999999')).status).toBe(404);
  });

  it('lets a project’s members use its labels as their role allows, and hides them from outsiders', async () => {
    const lp = projectIds.lp as number;
    const byOwner = await create(as.owner as ApiClient, { name: 'qa', scope: 'p', project_id: lp });
    await create(as.maint as ApiClient, { name: 'maintained', scope: 'p', project_id: lp });
    const body = { name: 'nope', scope: 'p', project_id: lp };
    expect((await as.dev?.call('POST', '/labels', body))?.status).toBe(403);
    expect((await as.guest?.call('POST', '/labels', body))?.status).toBe(403);
    expect((await as.outsider?.call('POST', '/labels', body))?.status).toBe(404);
    expect((await anonymous.call('POST', '/labels', body)).status).toBe(404);
    const clash = await as.maint?.call('POST', '/labels', { name: 'qa', scope: 'p', project_id: lp });
    expect(clash?.status).toBe(409);
    await create(admin, { name: 'qa', scope: 'p', project_id: projectIds.other });

    const list = `/labels?scope=p&project_id=${lp}`;
    for (const user of ['owner', 'maint', 'dev', 'guest'])
      expect((await as[user]?.call('GET', list))?.status, user).toBe(200);
    expect((await as.limited?.call('GET', list))?.status).toBe(403);
    expect((await as.outsider?.call('GET', list))?.status).toBe(404);
    expect((await anonymous.call('GET', list)).status).toBe(404);
    const names = (await as.guest?.call<LabelBody[]>('GET', `${list}&sort=name`))?.body.map((l) => l.name);
    expect(names).toEqual(['maintained', 'prod', 'qa']);

    expect((await as.guest?.call<LabelBody>('GET', `/labels/${byOwner}`))?.body).toMatchObject({
      name: 'qa',
      scope: 'p',
      project_id: lp,
    });
    expect((await as.limited?.call('GET', `/labels/${byOwner}`))?.status).toBe(403);
    // Hidden and missing look the same: a private project's labels do not exist for outsiders.
    for (const client of [as.outsider as ApiClient, anonymous]) {
      expect(errorOf(await client.call('GET', `/labels/${byOwner}`))).toEqual({
        code: 'NOT_FOUND',
        message: `label ${byOwner} not found`,
      });
      expect((await client.call('PUT', `/labels/${byOwner}`, { name: 'x' })).status).toBe(404);
      expect((await client.call('DELETE', `/labels/${byOwner}`)).status).toBe(404);
    }
    expect((await as.outsider?.call('GET', '/labels/999999'))?.status).toBe(404);

    // A public project's labels are anyone's to read, its members' to change.
    const pub = await create(admin, { name: 'open', scope: 'p', project_id: projectIds.pub });
    expect((await anonymous.call('GET', `/labels?scope=p&project_id=${projectIds.pub}`)).status).toBe(200);
    expect((await anonymous.call('GET', `/labels/${pub}`)).status).toBe(200);
    expect((await anonymous.call('PUT', `/labels/${pub}`, { name: 'x' })).status).toBe(401);
    expect((await as.outsider?.call('PUT', `/labels/${pub}`, { name: 'x' }))?.status).toBe(403);
  });

  it('updates name, description and colour as Harbor does, and filters, sorts and pages lists', async () => {
    const lp = projectIds.lp as number;
    const id = await create(as.owner as ApiClient, {
      name: 'edit-me',
      description: 'old',
      color: '#00FF00',
      scope: 'p',
      project_id: lp,
    });
    // Scope and project never change; description and color not sent become empty.
    const put = await as.maint?.call('PUT', `/labels/${id}`, { name: 'edited', scope: 'g', project_id: 0 });
    expect(put?.status).toBe(200);
    const after = (await admin.call<LabelBody>('GET', `/labels/${id}`)).body;
    expect(after).toMatchObject({ name: 'edited', scope: 'p', project_id: lp });
    expect(after.description).toBeUndefined();
    expect(after.color).toBeUndefined();
    expect((await as.dev?.call('PUT', `/labels/${id}`, { name: 'dev' }))?.status).toBe(403);
    const clash = await as.owner?.call('PUT', `/labels/${id}`, { name: 'qa' });
    expect(clash?.status).toBe(409);
    expect((await as.owner?.call('PUT', `/labels/${id}`, { description: 'no name' }))?.status).toBe(400);
    expect((await as.owner?.call('PUT', `/labels/${id}`, { name: 'edited', color: '#0000FF' }))?.status).toBe(
      200,
    );

    const list = (query: string) =>
      admin.call<LabelBody[]>('GET', `/labels?scope=p&project_id=${lp}&${query}`);
    const names = async (query: string) => (await list(query)).body.map((l) => l.name);
    expect(await names(`q=${encodeURIComponent('name=~DIT')}`)).toEqual(['edited']);
    expect(await names(`q=${encodeURIComponent(`Name=qa,ProjectID=${lp}`)}`)).toEqual(['qa']);
    expect(await names(`q=${encodeURIComponent('color=#0000FF')}`)).toEqual(['edited']);
    expect(await names(`q=${encodeURIComponent(`id={${id} 999999}`)}`)).toEqual(['edited']);
    expect(await names(`q=${encodeURIComponent('level=u,deleted=false')}&sort=-name`)).toEqual([
      'qa',
      'prod',
      'maintained',
      'edited',
    ]);
    expect(await names(`q=${encodeURIComponent('level=s')}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('scope=g')}`)).toEqual([]);
    expect(
      await names(`q=${encodeURIComponent('creation_time=[2000-01-01T00:00:00~]')}&sort=name`),
    ).toHaveLength(4);
    // The name parameter wins over a name term of q, as Harbor's handler overwrites it.
    expect(await names(`name=qa&q=${encodeURIComponent('name=edited')}`)).toEqual(['qa']);
    const page = await list('sort=name&page=2&page_size=1');
    expect(page.body.map((l) => l.name)).toEqual(['maintained']);
    expect(page.headers.get('x-total-count')).toBe('4');
    expect(page.headers.get('link')).toContain('rel="prev"');
    expect(page.headers.get('link')).toContain('rel="next"');
  });

  it('attaches labels to artifacts once, only a global one or the artifact’s project’s', async () => {
    const lp = projectIds.lp as number;
    const mine = await create(as.owner as ApiClient, { name: 'attach-me', scope: 'p', project_id: lp });
    const global = await create(admin, { name: 'everywhere', scope: 'g' });
    const foreign = await create(admin, { name: 'foreign', scope: 'p', project_id: projectIds.other });
    const v1 = await artifactId('app/artifacts/v1');
    const v2 = await artifactId('app/artifacts/v2');
    const nested = await artifactId('team%252Fapp/artifacts/v1');
    const add = (client: ApiClient, path: string, id: number) =>
      client.call('POST', `/projects/lp/repositories/${path}/labels`, { id });

    expect((await add(as.owner as ApiClient, 'app/artifacts/v1', mine)).status).toBe(200);
    const again = await add(as.dev as ApiClient, 'app/artifacts/v1', mine);
    expect(again.status).toBe(409);
    expect(errorOf(again)?.message).toBe(`label ${mine} is already added to the artifact ${v1}`);
    expect((await add(as.dev as ApiClient, 'app/artifacts/v1', global)).status).toBe(200);
    const digest = (await admin.call<{ digest: string }>('GET', '/projects/lp/repositories/app/artifacts/v2'))
      .body.digest;
    expect((await add(as.maint as ApiClient, `app/artifacts/${digest}`, global)).status).toBe(200);
    expect((await add(as.owner as ApiClient, 'team%252Fapp/artifacts/v1', mine)).status).toBe(200);

    const other = await add(admin, 'app/artifacts/v1', foreign);
    expect(other.status).toBe(404);
    expect(errorOf(other)?.message).toBe(`project id ${lp}, label ${foreign} not found`);
    expect(errorOf(await add(admin, 'app/artifacts/v1', 999999))?.message).toBe('label 999999 not found');
    expect((await admin.call('POST', '/projects/lp/repositories/app/artifacts/v1/labels', {})).status).toBe(
      404,
    );
    expect((await add(admin, 'app/artifacts/nope', mine)).status).toBe(404);
    expect((await add(admin, 'gone/artifacts/v1', mine)).status).toBe(404);
    expect((await add(as.guest as ApiClient, 'app/artifacts/v2', mine)).status).toBe(403);
    expect((await add(as.limited as ApiClient, 'app/artifacts/v2', mine)).status).toBe(403);
    expect((await add(as.outsider as ApiClient, 'app/artifacts/v2', mine)).status).toBe(404);
    expect((await add(anonymous, 'app/artifacts/v2', mine)).status).toBe(404);
    expect((await add(anonymous, 'app/artifacts/v1', global)).status).toBe(404);

    const of = await service.labelsOf([v1, v2, nested, v1]);
    expect(of.get(v1)?.map((l) => l.name)).toEqual(['attach-me', 'everywhere']);
    expect(of.get(v2)?.map((l) => l.name)).toEqual(['everywhere']);
    expect(of.get(nested)?.[0]).toMatchObject({ id: mine, scope: 'p', projectId: lp });
    expect(of.get(nested)?.[0]?.createdAt).toBeInstanceOf(Date);
    expect((await service.labelsOf([])).size).toBe(0);

    // q=labels=(a b): the artifacts carrying all of them; other forms are refused as Harbor does.
    expect(await artifactsWith({ kind: 'allOf', values: [String(mine), String(global)] })).toEqual([v1]);
    expect(await artifactsWith({ kind: 'allOf', values: [String(global)] })).toEqual([v1, v2]);
    expect(await artifactsWith({ kind: 'allOf', values: [String(mine)] })).toEqual(
      [v1, nested].sort((x, y) => x - y),
    );
    expect(await artifactsWith({ kind: 'allOf', values: [String(mine), String(foreign)] })).toEqual([]);
    for (const term of [
      { kind: 'exact', value: String(mine) },
      { kind: 'anyOf', values: [String(mine)] },
      { kind: 'allOf', values: ['attach-me'] },
    ] as const) {
      expect(() => hasAllLabels(term)).toThrow(
        'the value of "labels" query can only be integer list with intersetion relationship',
      );
    }

    const remove = (client: ApiClient, id: number) =>
      client.call('DELETE', `/projects/lp/repositories/app/artifacts/v1/labels/${id}`);
    expect((await remove(as.guest as ApiClient, global)).status).toBe(403);
    expect((await remove(as.outsider as ApiClient, global)).status).toBe(404);
    expect((await remove(anonymous, global)).status).toBe(404);
    expect((await remove(as.dev as ApiClient, global)).status).toBe(200);
    const twice = await remove(as.dev as ApiClient, global);
    expect(twice.status).toBe(404);
    expect(errorOf(twice)?.message).toBe(`reference with label ${global} and artifact ${v1} not found`);
    expect((await service.labelsOf([v1])).get(v1)?.map((l) => l.name)).toEqual(['attach-me']);

    // Deleting a label takes it off every artifact; deleting an artifact takes its labels with it.
    expect((await as.maint?.call('DELETE', `/labels/${mine}`))?.status).toBe(200);
    expect((await as.maint?.call('DELETE', `/labels/${mine}`))?.status).toBe(404);
    const left = await service.labelsOf([v1, v2, nested]);
    expect([...left.keys()]).toEqual([v2]);
    const rows = await handle.db.selectFrom('artifact_labels').select('label_id').execute();
    expect(rows.map((r) => r.label_id)).toEqual([global]);
    expect((await admin.call('DELETE', '/projects/lp/repositories/app/artifacts/v2')).status).toBe(200);
    expect(await handle.db.selectFrom('artifact_labels').selectAll().execute()).toEqual([]);
    expect((await admin.call('DELETE', `/labels/${global}`)).status).toBe(200);
  });

  it('keeps labelling a public project’s artifacts to those whose role allows it', async () => {
    const global = await create(admin, { name: 'public-one', scope: 'g' });
    const path = '/projects/pub/repositories/app/artifacts/v1/labels';
    expect((await anonymous.call('POST', path, { id: global })).status).toBe(401);
    expect((await as.outsider?.call('POST', path, { id: global }))?.status).toBe(403);
    expect((await admin.call('POST', path, { id: global })).status).toBe(200);
    expect((await anonymous.call('DELETE', `${path}/${global}`)).status).toBe(401);
    expect((await as.outsider?.call('DELETE', `${path}/${global}`))?.status).toBe(403);
  });
});
