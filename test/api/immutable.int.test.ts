import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { errorCode, ociManifest } from '../support/client.js';
import { useBackend } from '../support/matrix.js';

interface Rule {
  id: number;
  disabled: boolean;
  tag_selectors: { decoration: string; pattern: string }[];
}

const rule = (
  tag: string,
  repository: string,
  decorations = { tag: 'matches', repository: 'repoMatches' },
) => ({
  disabled: false,
  action: 'immutable',
  template: 'immutable_template',
  tag_selectors: [{ kind: 'doublestar', decoration: decorations.tag, pattern: tag }],
  scope_selectors: {
    repository: [{ kind: 'doublestar', decoration: decorations.repository, pattern: repository }],
  },
});

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 'filesystem'],
] as const)('immutable tags (%s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, {}, ['imm', 'src']);
  let api: ApiClient;
  const rules = '/projects/imm/immutabletagrules';

  beforeAll(async () => {
    api = await adminApiClient(b.server.url);
  });

  it('keeps Harbor rules, refusing the same rule twice and a body that names another id', async () => {
    const created = await api.call('POST', rules, { ...rule('v*', 'app'), disabled: true });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/imm\/immutabletagrules\/\d+$/);
    const duplicate = await api.call('POST', rules, rule('v*', 'app'));
    expect(duplicate.status).toBe(409);
    expect(errorOf(duplicate)).toEqual({ code: 'CONFLICT', message: 'immutable rule already exists' });
    const listed = await api.call<Rule[]>('GET', rules);
    // Created enabled whatever the body said, as Harbor.
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: Number(location.split('/').pop()),
        disabled: false,
        action: 'immutable',
      }),
    ]);
    expect(listed.headers.get('x-total-count')).toBe('1');
    const id = listed.body[0]?.id as number;
    const mismatch = await api.call('PUT', `${rules}/${id}`, { ...rule('v*', 'app'), id: id + 1 });
    expect(mismatch.status).toBe(400);
    expect((await api.call('PUT', `${rules}/424242`, rule('x', 'y'))).status).toBe(404);
    const bad = await api.call(
      'POST',
      rules,
      rule('v*', 'app', { tag: 'repoMatches', repository: 'repoMatches' }),
    );
    expect(bad.status).toBe(400);
    // A private project's rules are not there for those who may not see the project.
    expect((await api.anonymous().call('GET', rules)).status).toBe(404);
  });

  it('refuses to move or delete an immutable tag on every path, and lets everything else through', async () => {
    const v1 = await b.client.pushImage('imm/app', 'v1', { layers: ['one'] });
    expect((await b.client.pushManifest('imm/app', 'latest', JSON.parse(v1.body))).status).toBe(201);
    const other = await b.client.pushImage('imm/app', 'scratch', { layers: ['two'] });
    // Pushing the same digest again is allowed; moving the tag is not (/v2: DENIED).
    expect((await b.client.pushManifest('imm/app', 'v1', JSON.parse(v1.body))).status).toBe(201);
    const moved = await b.client.pushManifest('imm/app', 'v1', JSON.parse(other.body));
    expect(moved.status).toBe(412);
    expect(await errorCode(moved)).toBe('DENIED');
    // A new tag the rule covers may be pushed once, then it is immutable too.
    expect((await b.client.pushManifest('imm/app', 'v2', JSON.parse(other.body))).status).toBe(201);
    expect((await b.client.pushManifest('imm/app', 'v2', JSON.parse(v1.body))).status).toBe(412);
    // Tags and repositories the rule does not cover move freely.
    expect((await b.client.pushManifest('imm/app', 'latest', JSON.parse(other.body))).status).toBe(201);
    expect((await b.client.pushManifest('imm/app', 'latest', JSON.parse(v1.body))).status).toBe(201);
    await b.client.pushImage('imm/lib', 'v1', { layers: ['one'] });
    await b.client.pushImage('imm/lib', 'v1', { layers: ['two'] });

    // Deletion on /v2, by tag and by digest.
    expect((await b.client.request('/v2/imm/app/manifests/v1', { method: 'DELETE' })).status).toBe(412);
    expect((await b.client.request(`/v2/imm/app/manifests/${v1.digest}`, { method: 'DELETE' })).status).toBe(
      412,
    );
    // And through Harbor's API: a tag, the artifact, the repository.
    const tag = await api.call('DELETE', `/projects/imm/repositories/app/artifacts/${v1.digest}/tags/v1`);
    expect(tag.status).toBe(412);
    expect(errorOf(tag)?.code).toBe('PRECONDITION');
    expect(errorOf(tag)?.message).toMatch(/^the tag v1 configured as immutable, cannot be deleted/);
    expect((await api.call('DELETE', `/projects/imm/repositories/app/artifacts/${v1.digest}`)).status).toBe(
      412,
    );
    expect((await api.call('DELETE', '/projects/imm/repositories/app')).status).toBe(412);
    // A copy may not move an immutable tag either.
    await b.client.pushImage('src/app', 'v1', { layers: ['three'] });
    const copy = await api.call('POST', '/projects/imm/repositories/app/artifacts?from=src/app:v1');
    expect(copy.status).toBe(412);
    // What no rule covers goes.
    expect(
      (await api.call('DELETE', `/projects/imm/repositories/app/artifacts/${v1.digest}/tags/latest`)).status,
    ).toBe(200);
    expect(
      (await b.client.request('/v2/imm/app/manifests/v1', { headers: { Accept: ociManifest } })).status,
    ).toBe(200);

    // with_immutable_status shows it, in the artifact list and the tag list.
    const listed = await api.call<{ digest: string; tags: { name: string; immutable: boolean }[] }[]>(
      'GET',
      '/projects/imm/repositories/app/artifacts?with_tag=true&with_immutable_status=true',
    );
    const tagsOf = (digest: string) => listed.body.find((a) => a.digest === digest)?.tags ?? [];
    expect(tagsOf(v1.digest)).toEqual([expect.objectContaining({ name: 'v1', immutable: true })]);
    expect(
      tagsOf(other.digest)
        .map((t) => [t.name, t.immutable])
        .sort(),
    ).toEqual([
      ['scratch', false],
      ['v2', true],
    ]);
    const tags = await api.call<{ name: string; immutable: boolean }[]>(
      'GET',
      `/projects/imm/repositories/app/artifacts/${other.digest}/tags?with_immutable_status=true`,
    );
    expect(tags.body.find((t) => t.name === 'v2')?.immutable).toBe(true);
    const plain = await api.call<{ name: string; immutable: boolean }[]>(
      'GET',
      `/projects/imm/repositories/app/artifacts/${other.digest}/tags`,
    );
    expect(plain.body.every((t) => !t.immutable)).toBe(true);

    // Disabled, the rule protects nothing; removed, it is gone.
    const id = (await api.call<Rule[]>('GET', rules)).body[0]?.id as number;
    expect(
      (await api.call('PUT', `${rules}/${id}`, { ...rule('v*', 'app'), id, disabled: true })).status,
    ).toBe(200);
    expect((await api.call<Rule[]>('GET', rules)).body[0]?.disabled).toBe(true);
    expect((await b.client.pushManifest('imm/app', 'v1', JSON.parse(other.body))).status).toBe(201);
    expect((await api.call('DELETE', `${rules}/${id}`)).status).toBe(200);
    expect((await api.call<Rule[]>('GET', rules)).body).toEqual([]);
    expect((await api.call('DELETE', `${rules}/${id}`)).status).toBe(404);
  });

  it('reads excludes as Harbor does: every tag but those matching, in every repository but those matching', async () => {
    const created = await api.call(
      'POST',
      rules,
      rule('dev-*', 'scratch/**', { tag: 'excludes', repository: 'repoExcludes' }),
    );
    expect(created.status).toBe(201);
    const image = await b.client.pushImage('imm/svc', 'release', { layers: ['r'] });
    const next = await b.client.pushImage('imm/svc', 'dev-1', { layers: ['d'] });
    expect((await b.client.pushManifest('imm/svc', 'release', JSON.parse(next.body))).status).toBe(412);
    expect((await b.client.pushManifest('imm/svc', 'dev-1', JSON.parse(image.body))).status).toBe(201);
    await b.client.pushImage('imm/scratch/tmp', 'release', { layers: ['r'] });
    await b.client.pushImage('imm/scratch/tmp', 'release', { layers: ['d'] });
    expect(
      (await api.call('DELETE', `${rules}/${created.headers.get('location')?.split('/').pop()}`)).status,
    ).toBe(200);
  });
});
