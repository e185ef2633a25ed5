import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { type Descriptor, ociIndex, type RegistryClient, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';

interface Artifact {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string;
  repository_name: string;
  extra_attrs?: Record<string, unknown>;
  annotations: Record<string, string>;
  references: {
    parent_id: number;
    child_id?: number;
    child_digest: string;
    platform?: { architecture?: string };
  }[];
  tags?: { name: string; artifact_id: number; pull_time: string }[];
  addition_links: Record<string, { href: string; absolute: boolean }>;
  accessories?: { type: string; digest: string; subject_artifact_digest: string }[];
}

interface Repository {
  id: number;
  project_id: number;
  name: string;
  description: string;
  artifact_count: number;
  pull_count: number;
}

const never = '0001-01-01T00:00:00.000Z';
const cosignSignature = 'application/vnd.dev.cosign.artifact.sig.v1+json';

async function pushIndex(
  client: RegistryClient,
  repo: string,
  tag: string,
): Promise<{ digest: string; children: Descriptor[] }> {
  const children: Descriptor[] = [];
  for (const arch of ['amd64', 'arm64']) {
    const child = await client.pushImage(repo, `tmp-${arch}`, {
      layers: [`${repo} ${arch} layer`],
      config: { architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
    });
    const untag = await client.request(`/v2/${repo}/manifests/tmp-${arch}`, { method: 'DELETE' });
    expect(untag.status).toBe(202);
    children.push({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.size,
      platform: { architecture: arch, os: 'linux' },
    });
  }
  const index = { schemaVersion: 2, mediaType: ociIndex, manifests: children };
  const res = await client.pushManifest(repo, tag, index, ociIndex);
  expect(res.status).toBe(201);
  return { digest: sha256(JSON.stringify(index)), children };
}

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 's3'],
] as const)('management API: repositories, artifacts and tags (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'registry.pullStatsFlushMs': 20 }, ['team', 'pub']);
  let admin: ApiClient;
  let developer: ApiClient;
  let guest: ApiClient;
  let outsider: ApiClient;
  let anonymous: ApiClient;
  let v1: Descriptor & { body: string };
  let v2: Descriptor & { body: string };
  let untagged: Descriptor & { body: string };
  let multi: { digest: string; children: Descriptor[] };
  let signature: string;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    anonymous = admin.anonymous();
    for (const [name, role] of [
      ['dev', 2],
      ['gus', 3],
      ['olga', 0],
    ] as const) {
      expect((await admin.call('POST', '/users', { username: name, password: 'Passw0rd!' })).status).toBe(
        201,
      );
      if (role > 0) {
        const added = await admin.call('POST', '/projects/team/members', {
          role_id: role,
          member_user: { username: name },
        });
        expect(added.status).toBe(201);
      }
    }
    developer = admin.as('dev', 'Passw0rd!');
    guest = admin.as('gus', 'Passw0rd!');
    outsider = admin.as('olga', 'Passw0rd!');
    expect((await admin.call('PUT', '/projects/pub', { metadata: { public: 'true' } })).status).toBe(200);

    const c = b.client;
    v1 = await c.pushImage('team/app', 'v1', {
      layers: ['app layer one', 'app layer two'],
      config: {
        architecture: 'amd64',
        os: 'linux',
        author: 'berth tests',
        created: '2026-01-02T03:04:05Z',
        config: { Env: ['PATH=/usr/bin'] },
        rootfs: { type: 'layers', diff_ids: [] },
        history: [{ created: '2026-01-02T03:04:05Z', created_by: 'ADD layer' }],
      },
      extra: { annotations: { 'org.opencontainers.image.title': 'app' } },
    });
    v2 = await c.pushImage('team/app', 'v2', { layers: ['app layer three'] });
    untagged = await c.pushImage('team/app', 'scratch', { layers: ['scratch layer'] });
    expect((await c.request('/v2/team/app/manifests/scratch', { method: 'DELETE' })).status).toBe(202);
    const sigLayer = await c.pushBlob('team/app', 'signature payload');
    const emptyConfig = await c.pushBlob('team/app', '{}', 'application/vnd.oci.empty.v1+json');
    const sigManifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: cosignSignature,
      config: emptyConfig,
      layers: [sigLayer],
      subject: { mediaType: v1.mediaType, digest: v1.digest, size: v1.size },
    };
    signature = sha256(JSON.stringify(sigManifest));
    expect((await c.pushManifest('team/app', signature, sigManifest)).status).toBe(201);
    multi = await pushIndex(c, 'team/multi', 'latest');
    await c.pushImage('team/group/sub', '1');
    await c.pushImage('pub/open', 'latest');
  });

  it('lists a project’s repositories with counts, filters, sorting and page headers', async () => {
    const all = await admin.call<Repository[]>('GET', '/projects/team/repositories?sort=name');
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('3');
    expect(all.body.map((r) => [r.name, r.artifact_count])).toEqual([
      ['team/app', 3],
      ['team/group/sub', 1],
      ['team/multi', 1],
    ]);
    const project = await admin.call<{ project_id: number }>('GET', '/projects/team');
    expect(all.body.every((r) => r.project_id === project.body.project_id)).toBe(true);

    const page = await admin.call<Repository[]>(
      'GET',
      '/projects/team/repositories?sort=-name&page=2&page_size=1',
    );
    expect(page.body.map((r) => r.name)).toEqual(['team/group/sub']);
    expect(page.headers.get('link')).toContain('rel="prev"');
    expect(page.headers.get('link')).toContain('rel="next"');

    const fuzzy = await admin.call<Repository[]>(
      'GET',
      `/projects/team/repositories?q=${encodeURIComponent('name=~mul')}`,
    );
    expect(fuzzy.body.map((r) => r.name)).toEqual(['team/multi']);
    const exact = await admin.call<Repository[]>('GET', '/projects/team/repositories?q=name=app');
    expect(exact.body.map((r) => r.name)).toEqual(['team/app']);

    for (const bad of ['q=size=1', 'sort=bogus', 'page_size=0', 'page=0', 'page_size=101']) {
      const res = await admin.call('GET', `/projects/team/repositories?${bad}`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    expect((await admin.call('GET', '/projects/nosuch/repositories')).status).toBe(404);
  });

  it('gets a repository by its twice-encoded name and updates its description', async () => {
    const sub = await admin.call<Repository>('GET', '/projects/team/repositories/group%252Fsub');
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ name: 'team/group/sub', artifact_count: 1, pull_count: 0 });
    const once = await admin.call<Repository>('GET', '/projects/team/repositories/group%2Fsub');
    expect(once.body.name).toBe('team/group/sub');
    const missing = await admin.call('GET', '/projects/team/repositories/nothing');
    expect(missing.status).toBe(404);
    expect(errorOf(missing)?.code).toBe('NOT_FOUND');
    expect((await admin.call('GET', '/projects/team/repositories/BAD%20NAME')).status).toBe(400);

    const put = await developer.call('PUT', '/projects/team/repositories/app', { description: 'The app' });
    expect(put.status).toBe(200);
    const app = await guest.call<Repository>('GET', '/projects/team/repositories/app');
    expect(app.body.description).toBe('The app');
    expect((await guest.call('PUT', '/projects/team/repositories/app', { description: 'x' })).status).toBe(
      403,
    );
    expect((await admin.call('PUT', '/projects/team/repositories/app', {})).status).toBe(400);
  });

  it('lists top-level artifacts, newest first, with tag filters', async () => {
    const list = await admin.call<Artifact[]>('GET', '/projects/team/repositories/app/artifacts');
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('3');
    expect(list.body.map((a) => a.digest)).toEqual([untagged.digest, v2.digest, v1.digest]);
    expect(list.body.map((a) => a.tags?.map((t) => t.name))).toEqual([[], ['v2'], ['v1']]);

    const q = async (filter: string) =>
      (
        await admin.call<Artifact[]>(
          'GET',
          `/projects/team/repositories/app/artifacts?q=${encodeURIComponent(filter)}&sort=push_time`,
        )
      ).body.map((a) => a.digest);
    expect(await q('tags=nil')).toEqual([untagged.digest]);
    expect(await q('tags=*')).toEqual([v1.digest, v2.digest]);
    expect(await q('tags=v2')).toEqual([v2.digest]);
    expect(await q('tags=~v')).toEqual([v1.digest, v2.digest]);
    expect(await q(`digest=${v1.digest}`)).toEqual([v1.digest]);
    expect(await q('tags=~nothing')).toEqual([]);

    const withoutTags = await admin.call<Artifact[]>(
      'GET',
      '/projects/team/repositories/app/artifacts?with_tag=false&page_size=1',
    );
    expect(withoutTags.body[0]?.tags).toBeUndefined();
    expect(withoutTags.headers.get('link')).toContain('rel="next"');
    // Any column takes Harbor's fuzzy match, the digest too; a malformed term is a 400.
    const fuzzyDigest = await admin.call<Artifact[]>(
      'GET',
      '/projects/team/repositories/app/artifacts?q=digest=~sha256',
    );
    expect(fuzzyDigest.status).toBe(200);
    expect(fuzzyDigest.body.length).toBeGreaterThan(0);
    expect(
      (await admin.call('GET', '/projects/team/repositories/app/artifacts?q=digest=[1~2~3]')).status,
    ).toBe(400);
  });

  it('shows an image’s size, attributes, tags, accessories and build history', async () => {
    const res = await admin.call<Artifact>(
      'GET',
      '/projects/team/repositories/app/artifacts/v1?with_accessory=true',
    );
    expect(res.status).toBe(200);
    const a = res.body;
    const manifest = JSON.parse(v1.body) as { config: Descriptor; layers: Descriptor[] };
    const blobBytes = manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
    expect(a).toMatchObject({
      type: 'IMAGE',
      media_type: 'application/vnd.oci.image.config.v1+json',
      manifest_media_type: 'application/vnd.oci.image.manifest.v1+json',
      artifact_type: 'application/vnd.oci.image.config.v1+json',
      repository_name: 'team/app',
      digest: v1.digest,
      size: v1.size + blobBytes,
      annotations: { 'org.opencontainers.image.title': 'app' },
      references: [],
      pull_time: never,
    });
    expect(a.extra_attrs).toEqual({
      architecture: 'amd64',
      os: 'linux',
      author: 'berth tests',
      created: '2026-01-02T03:04:05Z',
      config: { Env: ['PATH=/usr/bin'] },
    });
    expect(a.tags?.map((t) => [t.name, t.artifact_id])).toEqual([['v1', a.id]]);
    expect(a.accessories).toEqual([
      expect.objectContaining({
        type: 'signature.cosign',
        digest: signature,
        subject_artifact_digest: v1.digest,
      }),
    ]);
    const link = a.addition_links.build_history;
    expect(link?.href).toBe(
      `/api/v2.0/projects/team/repositories/app/artifacts/${v1.digest}/additions/build_history`,
    );
    const history = await admin.call<{ created_by: string }[]>(
      'GET',
      (link?.href ?? '').replace('/api/v2.0', ''),
    );
    expect(history.body).toEqual([{ created: '2026-01-02T03:04:05Z', created_by: 'ADD layer' }]);
    expect(
      (await admin.call('GET', `/projects/team/repositories/app/artifacts/v1/additions/readme`)).status,
    ).toBe(404);

    const accessories = await admin.call<{ digest: string }[]>(
      'GET',
      '/projects/team/repositories/app/artifacts/v1/accessories',
    );
    expect(accessories.body.map((x) => x.digest)).toEqual([signature]);
    const byDigest = await admin.call<Artifact>(
      'GET',
      `/projects/team/repositories/app/artifacts/${v1.digest}`,
    );
    expect(byDigest.body.id).toBe(a.id);
    expect(byDigest.body.accessories).toBeUndefined();
    for (const [ref, status] of [
      ['nosuchtag', 404],
      [`sha256:${'0'.repeat(64)}`, 404],
      ['sha256:short', 400],
      // A reference that is no tag names nothing, as on /v2.
      ['bad tag!', 404],
    ] as const) {
      const r = await admin.call(
        'GET',
        `/projects/team/repositories/app/artifacts/${encodeURIComponent(ref)}`,
      );
      expect({ ref, status: r.status }).toEqual({ ref, status });
    }
  });

  it('shows an index with its children as references, and its size as theirs', async () => {
    const res = await admin.call<Artifact>('GET', '/projects/team/repositories/multi/artifacts/latest');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: 'IMAGE',
      media_type: ociIndex,
      manifest_media_type: ociIndex,
      digest: multi.digest,
    });
    expect(res.body.extra_attrs).toBeUndefined();
    expect(
      res.body.references.map((r) => [r.child_digest, r.platform?.architecture, typeof r.child_id]),
    ).toEqual(
      multi.children.map((c) => [c.digest, (c.platform as { architecture: string }).architecture, 'number']),
    );
    const childSizes = await Promise.all(
      multi.children.map(async (c) => {
        const child = await admin.call<Artifact>(
          'GET',
          `/projects/team/repositories/multi/artifacts/${c.digest}`,
        );
        return child.body.size;
      }),
    );
    const indexSize = Buffer.byteLength(
      JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: multi.children }),
    );
    expect(res.body.size).toBe(indexSize + childSizes.reduce((n, size) => n + size, 0));
    const list = await admin.call<Artifact[]>('GET', '/projects/team/repositories/multi/artifacts');
    expect(list.body.map((a) => a.digest)).toEqual([multi.digest]);
  });

  it('adds, lists and removes tags, with Harbor’s conflicts and permissions', async () => {
    const base = '/projects/team/repositories/app/artifacts';
    expect((await developer.call('POST', `${base}/v1/tags`, { name: 'stable' })).status).toBe(201);
    const conflict = await admin.call('POST', `${base}/v1/tags`, { name: 'v2' });
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)?.code).toBe('CONFLICT');
    expect((await admin.call('POST', `${base}/v1/tags`, { name: 'stable' })).status).toBe(409);
    expect((await admin.call('POST', `${base}/v1/tags`, { name: 'bad tag' })).status).toBe(400);
    expect((await admin.call('POST', `${base}/v1/tags`, {})).status).toBe(400);
    expect((await guest.call('POST', `${base}/v1/tags`, { name: 'guest' })).status).toBe(403);
    expect((await admin.call('POST', `${base}/nosuch/tags`, { name: 'x' })).status).toBe(404);

    const tags = await guest.call<{ name: string; push_time: string; pull_time: string }[]>(
      'GET',
      `${base}/${v1.digest}/tags`,
    );
    expect(tags.body.map((t) => t.name)).toEqual(['stable', 'v1']);
    expect(tags.headers.get('x-total-count')).toBe('2');
    const filtered = await guest.call<{ name: string }[]>('GET', `${base}/v1/tags?q=name=~sta`);
    expect(filtered.body.map((t) => t.name)).toEqual(['stable']);
    const registryTags = await b.client.request('/v2/team/app/tags/list');
    expect(((await registryTags.json()) as { tags: string[] }).tags).toEqual(['stable', 'v1', 'v2']);

    expect((await developer.call('DELETE', `${base}/v1/tags/stable`)).status).toBe(403);
    expect((await admin.call('DELETE', `${base}/v1/tags/v2`)).status).toBe(404);
    expect((await admin.call('DELETE', `${base}/v1/tags/stable`)).status).toBe(200);
    expect((await b.client.request('/v2/team/app/manifests/stable')).status).toBe(404);
  });

  it('counts pulls and records pull times of repositories, artifacts and tags', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await b.client.request('/v2/team/group/sub/manifests/1', {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(res.status).toBe(200);
    }
    // Pull statistics are written in batches: wait (up to 10 s on a busy machine) until they land.
    const seen = async () => {
      const repo = (await admin.call<Repository>('GET', '/projects/team/repositories/group%252Fsub')).body;
      const artifact = (
        await admin.call<Artifact>('GET', '/projects/team/repositories/group%252Fsub/artifacts/1')
      ).body;
      return {
        pulls: repo.pull_count,
        artifactPulled: artifact.pull_time !== never,
        tagPulled: artifact.tags?.[0]?.pull_time !== never,
      };
    };
    const wanted = { pulls: 2, artifactPulled: true, tagPulled: true };
    let state = await seen();
    for (let i = 0; i < 500 && JSON.stringify(state) !== JSON.stringify(wanted); i++) {
      await sleep(20);
      state = await seen();
    }
    expect(state).toEqual(wanted);
  });

  it('shows public projects’ repositories to anyone and hides private ones', async () => {
    expect((await anonymous.call('GET', '/projects/pub/repositories')).status).toBe(200);
    expect((await anonymous.call('GET', '/projects/pub/repositories/open/artifacts/latest')).status).toBe(
      200,
    );
    for (const client of [anonymous, outsider]) {
      for (const path of [
        '/projects/team/repositories',
        '/projects/team/repositories/app',
        '/projects/team/repositories/app/artifacts',
        '/projects/team/repositories/app/artifacts/v1',
      ]) {
        const res = await client.call('GET', path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    }
    expect((await anonymous.call('DELETE', '/projects/pub/repositories/open')).status).toBe(401);
    expect((await guest.call('DELETE', '/projects/team/repositories/app/artifacts/v2')).status).toBe(403);
    expect((await developer.call('DELETE', '/projects/team/repositories/app/artifacts/v2')).status).toBe(403);
  });

  it('searches projects and repositories the caller can see', async () => {
    const mine = await developer.call<{
      project: { name: string }[];
      repository: { repository_name: string; artifact_count: number; project_public: boolean }[];
    }>('GET', '/search?q=app');
    expect(mine.status).toBe(200);
    expect(mine.body.repository).toEqual([
      expect.objectContaining({ repository_name: 'team/app', artifact_count: 3, project_public: false }),
    ]);
    const theirs = await outsider.call<{ repository: unknown[] }>('GET', '/search?q=app');
    expect(theirs.body.repository).toEqual([]);
    const open = await anonymous.call<{
      project: { name: string }[];
      repository: { repository_name: string }[];
    }>('GET', '/search?q=p');
    expect(open.body.project.map((p) => p.name)).toEqual(['pub']);
    expect(open.body.repository.map((r) => r.repository_name)).toEqual(['pub/open']);
    const everything = await admin.call<{ project: { name: string }[] }>('GET', '/search?q=e');
    expect(everything.body.project.map((p) => p.name)).toEqual(['team']);
    expect((await admin.call('GET', '/search')).status).toBe(400);
  });

  it('counts projects, repositories and storage for the statistics page', async () => {
    const stats = await admin.call<Record<string, number>>('GET', '/statistics');
    expect(stats.body).toMatchObject({
      private_project_count: 1,
      public_project_count: 1,
      private_repo_count: 3,
      public_repo_count: 1,
      total_project_count: 2,
      total_repo_count: 4,
    });
    expect(stats.body.total_storage_consumption).toBeGreaterThan(0);
    const theirs = await outsider.call<Record<string, number>>('GET', '/statistics');
    expect(theirs.body).toMatchObject({
      private_project_count: 0,
      private_repo_count: 0,
      public_project_count: 1,
      public_repo_count: 1,
      total_storage_consumption: 0,
    });
    const member = await guest.call<Record<string, number>>('GET', '/statistics');
    expect(member.body).toMatchObject({ private_project_count: 1, private_repo_count: 3 });
    expect((await anonymous.call('GET', '/statistics')).status).toBe(401);
  });

  it('reads and changes project metadata through /metadatas', async () => {
    const all = await guest.call<Record<string, string>>('GET', '/projects/team/metadatas/');
    expect(all.body).toEqual({ public: 'false' });
    expect((await guest.call('POST', '/projects/team/metadatas/', { auto_scan: 'true' })).status).toBe(403);
    expect(
      (await admin.call('POST', '/projects/team/metadatas/', { auto_scan: 'true', severity: 'high' })).status,
    ).toBe(200);
    expect((await admin.call('GET', '/projects/team/metadatas/severity')).body).toEqual({ severity: 'high' });
    expect(
      (await admin.call('PUT', '/projects/team/metadatas/severity', { severity: 'critical' })).status,
    ).toBe(200);
    expect((await admin.call('PUT', '/projects/team/metadatas/severity', { auto_scan: 'true' })).status).toBe(
      400,
    );
    expect((await admin.call('POST', '/projects/team/metadatas/', { severity: 'extreme' })).status).toBe(400);
    expect((await admin.call('POST', '/projects/team/metadatas/', { colour: 'blue' })).status).toBe(400);
    expect((await admin.call('DELETE', '/projects/team/metadatas/auto_scan')).status).toBe(200);
    expect((await admin.call('DELETE', '/projects/team/metadatas/auto_scan')).status).toBe(404);
    expect((await admin.call('DELETE', '/projects/team/metadatas/public')).status).toBe(400);
    expect((await admin.call('GET', '/projects/team/metadatas/')).body).toEqual({
      public: 'false',
      severity: 'critical',
    });
    expect((await outsider.call('GET', '/projects/team/metadatas/')).status).toBe(404);
  });

  it('deletes an artifact with its accessories, and an index with the children only it holds', async () => {
    const base = '/projects/team/repositories';
    const child = multi.children[0]?.digest as string;
    const refused = await admin.call('DELETE', `${base}/multi/artifacts/${child}`);
    expect(refused.status).toBe(412);
    expect(errorOf(refused)?.message).toContain(multi.digest);

    expect((await admin.call('POST', `${base}/multi/artifacts/${child}/tags`, { name: 'keep' })).status).toBe(
      201,
    );
    expect((await admin.call('DELETE', `${base}/multi/artifacts/latest`)).status).toBe(200);
    expect((await b.client.request(`/v2/team/multi/manifests/${multi.digest}`)).status).toBe(404);
    expect((await b.client.request(`/v2/team/multi/manifests/${multi.children[1]?.digest}`)).status).toBe(
      404,
    );
    expect((await b.client.request('/v2/team/multi/manifests/keep')).status).toBe(200);

    expect((await admin.call('DELETE', `${base}/app/artifacts/v1`)).status).toBe(200);
    expect((await b.client.request(`/v2/team/app/manifests/${signature}`)).status).toBe(404);
    expect((await admin.call('DELETE', `${base}/app/artifacts/v1`)).status).toBe(404);
    const left = await admin.call<Artifact[]>('GET', `${base}/app/artifacts`);
    expect(left.body.map((a) => a.digest).sort()).toEqual([untagged.digest, v2.digest].sort());
    const audit = await admin.call<{ operation: string; resource: string }[]>(
      'GET',
      `/audit-logs?q=${encodeURIComponent('operation=delete')}&page_size=50`,
    );
    expect(audit.body.map((e) => e.resource)).toEqual(
      expect.arrayContaining([
        `team/app@${v1.digest}`,
        `team/app@${signature}`,
        `team/multi@${multi.digest}`,
      ]),
    );
  });

  it('deletes a whole repository', async () => {
    expect((await developer.call('DELETE', '/projects/team/repositories/group%252Fsub')).status).toBe(403);
    expect((await admin.call('DELETE', '/projects/team/repositories/group%252Fsub')).status).toBe(200);
    expect((await admin.call('GET', '/projects/team/repositories/group%252Fsub')).status).toBe(404);
    expect((await b.client.request('/v2/team/group/sub/manifests/1')).status).toBe(404);
    const names = (await admin.call<Repository[]>('GET', '/projects/team/repositories?sort=name')).body.map(
      (r) => r.name,
    );
    expect(names).toEqual(['team/app', 'team/multi']);
    expect((await admin.call('DELETE', '/projects/team/repositories/group%252Fsub')).status).toBe(404);
  });
});
