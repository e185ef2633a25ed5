import { describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient } from '../support/api-client.js';
import { ociIndex, ociManifest, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';

interface Artifact {
  digest: string;
  type: string;
  media_type: string;
  repository_name: string;
  tags?: { name: string }[];
  labels?: { id: number }[];
}

/**
 * What the artifact and repository lists offer beyond paging: Harbor's q keys on artifacts (type,
 * media types, tags, labels, digests, times), the artifacts of a whole project, repositories across
 * projects as each caller may see them, and copying an artifact with what it is made of.
 */
describe.each(['sqlite', 'postgres'] as const)(
  'artifact queries, copies and repositories (%s)',
  (databaseKind) => {
    const b = useBackend(databaseKind, 'filesystem', {}, ['aq', 'copyto', 'hidden']);
    let admin: ApiClient;

    const list = async (path: string) => {
      const res = await admin.call<Artifact[]>('GET', path);
      expect(res.status).toBe(200);
      return res.body;
    };

    it('filters a repository’s artifacts by Harbor’s keys', async () => {
      admin = await adminApiClient(b.server.url);
      const amd = await b.client.pushImage('aq/app', 'v1', { layers: ['amd layer'] });
      const arm = await b.client.pushImage('aq/app', 'v2-arm', {
        layers: ['arm layer'],
        config: { architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
      });
      const index = {
        schemaVersion: 2,
        mediaType: ociIndex,
        manifests: [amd, arm].map((m) => ({ mediaType: ociManifest, digest: m.digest, size: m.size })),
      };
      expect((await b.client.pushManifest('aq/app', 'multi', index, ociIndex)).status).toBe(201);
      const chartConfig = await b.client.pushBlob(
        'aq/app',
        '{"name":"c","version":"1.0.0"}',
        'application/vnd.cncf.helm.config.v1+json',
      );
      const chart = { schemaVersion: 2, mediaType: ociManifest, config: chartConfig, layers: [] };
      expect((await b.client.pushManifest('aq/app', 'chart-1.0.0', chart)).status).toBe(201);
      const base = '/projects/aq/repositories/app/artifacts?page_size=100&q=';
      const digests = (artifacts: Artifact[]) => artifacts.map((a) => a.digest).sort();

      // The index lists both images, so only it and the chart are top-level.
      expect((await list(base)).map((a) => a.type).sort()).toEqual(['CHART', 'IMAGE']);
      expect(digests(await list(`${base}${encodeURIComponent('type=CHART')}`))).toEqual([
        sha256(JSON.stringify(chart)),
      ]);
      expect(
        // A + must be encoded twice (Harbor decodes q once more, and + is a space there).
        digests(
          await list(
            `${base}${encodeURIComponent(encodeURIComponent(`media_type=${chartConfig.mediaType}`))}`,
          ),
        ),
      ).toEqual([sha256(JSON.stringify(chart))]);
      expect(digests(await list(`${base}${encodeURIComponent('tags={multi nope}')}`))).toEqual([
        sha256(JSON.stringify(index)),
      ]);
      expect((await list(`${base}${encodeURIComponent('tags=~CHART')}`)).map((a) => a.type)).toEqual([
        'CHART',
      ]);
      expect(
        await list(`${base}${encodeURIComponent('push_time=[2000-01-01T00:00:00~2001-01-01T00:00:00]')}`),
      ).toEqual([]);
      expect((await list(`${base}${encodeURIComponent('manifest_media_type=~index')}`)).length).toBe(1);
      // Harbor's clients encode q twice: it is decoded once more.
      expect((await list(`${base}${encodeURIComponent(encodeURIComponent('tags=~chart'))}`)).length).toBe(1);
      // Sorted by any artifact column; an unknown key is refused.
      const byDigest = await list('/projects/aq/repositories/app/artifacts?sort=digest');
      expect(byDigest.map((a) => a.digest)).toEqual(digests(byDigest));
      expect((await admin.call('GET', '/projects/aq/repositories/app/artifacts?sort=colour')).status).toBe(
        400,
      );
      expect((await admin.call('GET', `${base}${encodeURIComponent('tags=[1~2]')}`)).status).toBe(400);

      // Labels: with_label shows them, labels=(a b) keeps artifacts that carry all of them.
      const label = async (name: string) => {
        const res = await admin.call('POST', '/labels', { name, scope: 'g' });
        expect(res.status).toBe(201);
        return Number(res.headers.get('location')?.split('/').pop());
      };
      const [red, blue] = [await label('red'), await label('blue')];
      for (const [reference, ids] of [
        ['multi', [red, blue]],
        ['chart-1.0.0', [red]],
      ] as const) {
        for (const id of ids)
          expect(
            (await admin.call('POST', `/projects/aq/repositories/app/artifacts/${reference}/labels`, { id }))
              .status,
          ).toBe(200);
      }
      expect(
        (await list(`${base}${encodeURIComponent(`labels=(${red} ${blue})`)}`)).map((a) => a.type),
      ).toEqual(['IMAGE']);
      expect((await list(`${base}${encodeURIComponent(`labels=(${red})`)}`)).length).toBe(2);
      const labelled = await list('/projects/aq/repositories/app/artifacts?with_label=true&q=tags%3Dmulti');
      expect(labelled[0]?.labels?.map((l) => l.id).sort()).toEqual([red, blue].sort());
      expect((await list('/projects/aq/repositories/app/artifacts'))[0]?.labels).toBeUndefined();
    });

    it('lists the artifacts of a whole project, and each repository’s newest', async () => {
      await b.client.pushImage('aq/other', 'old', { layers: ['older'] });
      await b.client.pushImage('aq/other', 'new', { layers: ['newer'] });
      const all = await list('/projects/aq/artifacts?page_size=100');
      expect(new Set(all.map((a) => a.repository_name))).toEqual(new Set(['aq/app', 'aq/other']));
      const images = encodeURIComponent(
        encodeURIComponent('media_type=application/vnd.oci.image.config.v1+json'),
      );
      const latest = await list(`/projects/aq/artifacts?latest_in_repository=true&q=${images}&with_tag=true`);
      expect(latest.map((a) => `${a.repository_name}:${a.tags?.map((t) => t.name).join()}`)).toEqual([
        'aq/other:new',
      ]);
      // By artifact type: the newest of that type, though a newer one of another type shares its config.
      const empty = await b.client.pushBlob('aq/other', '{}', 'application/vnd.oci.empty.v1+json');
      for (const artifactType of ['application/vnd.example.a', 'application/vnd.example.b']) {
        const manifest = {
          schemaVersion: 2,
          mediaType: ociManifest,
          artifactType,
          config: empty,
          layers: [],
        };
        expect((await b.client.pushManifest('aq/other', artifactType.slice(-1), manifest)).status).toBe(201);
      }
      const typeA = encodeURIComponent(encodeURIComponent('artifact_type=application/vnd.example.a'));
      const latestA = await list(`/projects/aq/artifacts?latest_in_repository=true&q=${typeA}&with_tag=true`);
      expect(latestA.map((a) => `${a.repository_name}:${a.tags?.map((t) => t.name).join()}`)).toEqual([
        'aq/other:a',
      ]);
      expect((await admin.call('GET', '/projects/aq/artifacts?latest_in_repository=true')).status).toBe(400);
      // A private project's artifacts are hidden from anonymous callers like the project itself.
      expect((await admin.anonymous().call('GET', '/projects/aq/artifacts')).status).toBe(404);
    });

    it('copies an artifact with its children, accessories and tags into another project', async () => {
      const subject = await admin.call<Artifact>('GET', '/projects/aq/repositories/app/artifacts/multi');
      const sbomConfig = await b.client.pushBlob('aq/app', '{}', 'application/vnd.oci.empty.v1+json');
      const sbom = {
        schemaVersion: 2,
        mediaType: ociManifest,
        artifactType: 'application/spdx+json',
        config: sbomConfig,
        layers: [],
        subject: { mediaType: ociIndex, digest: subject.body.digest, size: 1 },
      };
      expect((await b.client.pushManifest('aq/app', sha256(JSON.stringify(sbom)), sbom)).status).toBe(201);
      const copied = await admin.call(
        'POST',
        '/projects/copyto/repositories/mirror%252Fapp/artifacts?from=aq/app:multi',
      );
      expect(copied.status).toBe(201);
      expect(copied.headers.get('location')).toBe(
        '/api/v2.0/projects/copyto/repositories/mirror%252Fapp/artifacts/multi',
      );
      const copy = await admin.call<Artifact & { references: unknown[]; accessories: unknown[] }>(
        'GET',
        '/projects/copyto/repositories/mirror%252Fapp/artifacts/multi?with_accessory=true',
      );
      expect(copy.body).toMatchObject({ digest: subject.body.digest });
      expect(copy.body.references).toHaveLength(2);
      expect(copy.body.accessories).toHaveLength(1);
      // The copy pulls through the registry, children and all.
      const pulled = await b.client.request(`/v2/copyto/mirror/app/manifests/multi`, {
        headers: { Accept: ociIndex },
      });
      expect(pulled.status).toBe(200);
      for (const child of JSON.parse(await pulled.text()).manifests as { digest: string }[]) {
        expect((await b.client.request(`/v2/copyto/mirror/app/manifests/${child.digest}`)).status).toBe(200);
      }
      for (const [from, status] of [
        ['aq/app', 400],
        ['aq/app:nosuch', 404],
        [`aq/app@${sha256('no such manifest')}`, 404],
        ['nosuchproject/app:multi', 404],
      ] as const) {
        const res = await admin.call(
          'POST',
          `/projects/copyto/repositories/again/artifacts?from=${encodeURIComponent(from)}`,
        );
        expect({ from, status: res.status }).toEqual({ from, status });
      }
    });

    it('lists repositories across the projects each caller can see', async () => {
      await b.client.pushImage('hidden/secret', 'v1');
      await admin.call('PUT', '/projects/aq', { metadata: { public: 'true' } });
      const names = async (client: ApiClient, query = '') =>
        (await client.call<{ name: string }[]>('GET', `/repositories?page_size=100${query}`)).body
          .map((r) => r.name)
          .sort();
      expect(await names(admin)).toEqual(
        expect.arrayContaining(['aq/app', 'hidden/secret', 'copyto/mirror/app']),
      );
      const anonymous = await names(admin.anonymous());
      expect(anonymous).toContain('aq/app');
      expect(anonymous).not.toContain('hidden/secret');
      expect(await names(admin, `&q=${encodeURIComponent('name=~secret')}`)).toEqual(['hidden/secret']);
    });
  },
);
