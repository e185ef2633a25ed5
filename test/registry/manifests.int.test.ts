import { describe, expect, it } from 'vitest';
import { dockerList, dockerManifest, errorCode, ociIndex, ociManifest, sha256 } from '../support/client.js';
import { backends, useBackend } from '../support/matrix.js';

const emptyConfig = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 };

describe.each(backends)('manifests, tags and referrers (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'registry.manifestMaxBytes': 64 * 1024 }, [
    'team',
    'bydigest',
    'missing',
    'other-repo',
    'bad',
    'big',
    'multi',
    'idx',
    'deletes',
    'moving',
    'paged',
    'catalog',
    'refs',
    'early',
  ]);

  it('stores an OCI image by tag and serves it by tag and digest, with HEAD', async () => {
    const image = await b.client.pushImage('team/app/api', 'v1');
    for (const reference of ['v1', image.digest]) {
      const get = await b.client.request(`/v2/team/app/api/manifests/${reference}`, {
        headers: { Accept: ociManifest },
      });
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe(ociManifest);
      expect(get.headers.get('docker-content-digest')).toBe(image.digest);
      expect(await get.text()).toBe(image.body);
      const head = await b.client.request(`/v2/team/app/api/manifests/${reference}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(image.size));
      expect(head.headers.get('docker-content-digest')).toBe(image.digest);
    }
  });

  it('answers PUT with 201, Location and the digest; a push by digest must match', async () => {
    const config = await b.client.pushBlob(
      'bydigest',
      '{"os":"linux"}',
      'application/vnd.oci.image.config.v1+json',
    );
    const body = JSON.stringify({ schemaVersion: 2, mediaType: ociManifest, config, layers: [] });
    const put = await b.client.request(`/v2/bydigest/manifests/${sha256(body)}`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': ociManifest },
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`/v2/bydigest/manifests/${sha256(body)}`);
    expect(put.headers.get('docker-content-digest')).toBe(sha256(body));
    const wrong = await b.client.request(`/v2/bydigest/manifests/${sha256('other')}`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': ociManifest },
    });
    expect(wrong.status).toBe(400);
    expect(await errorCode(wrong)).toBe('DIGEST_INVALID');
  });

  it('refuses manifests that reference blobs the repository lacks', async () => {
    const res = await b.client.pushManifest('missing', 'v1', {
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('nope'), size: 4 },
      layers: [],
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    // A blob in another repository does not count.
    const elsewhere = await b.client.pushBlob('other-repo', 'only there');
    const res2 = await b.client.pushManifest('missing', 'v1', {
      schemaVersion: 2,
      mediaType: ociManifest,
      config: elsewhere,
      layers: [],
    });
    expect(await errorCode(res2)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await b.client.request('/v2/missing/manifests/v1')).status).toBe(404);
  });

  it('refuses malformed manifests with MANIFEST_INVALID', async () => {
    const config = await b.client.pushBlob('bad', '{}', 'application/vnd.oci.empty.v1+json');
    const bodies: [string, string][] = [
      ['not json', ociManifest],
      ['[]', ociManifest],
      [JSON.stringify({ schemaVersion: 1, mediaType: ociManifest, config, layers: [] }), ociManifest],
      [JSON.stringify({ schemaVersion: 2, mediaType: ociManifest, layers: [] }), ociManifest],
      [
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: { ...config, digest: 'sha256:xyz' },
          layers: [],
        }),
        ociManifest,
      ],
      [
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: { ...config, size: -1 },
          layers: [],
        }),
        ociManifest,
      ],
      [JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: 'x' }), ociIndex],
      [JSON.stringify({ schemaVersion: 2, mediaType: ociManifest, config, layers: [] }), ociIndex],
      [
        JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example', config, layers: [] }),
        'application/json',
      ],
      [
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifest,
          config,
          layers: [],
          annotations: { a: 1 },
        }),
        ociManifest,
      ],
    ];
    for (const [body, type] of bodies) {
      const res = await b.client.request('/v2/bad/manifests/latest', {
        method: 'PUT',
        body,
        headers: { 'Content-Type': type },
      });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect({ body, code: await errorCode(res) }).toEqual({ body, code: 'MANIFEST_INVALID' });
    }
    const badTag = await b.client.request('/v2/bad/manifests/-nope', {
      method: 'PUT',
      body: '{}',
      headers: { 'Content-Type': ociManifest },
    });
    expect(badTag.status).toBe(400);
  });

  it('answers reads and deletes of a reference that is neither a tag nor a digest as unknown (404)', async () => {
    await b.client.pushImage('bad/app', 'v1');
    for (const reference of ['.INVALID_MANIFEST_NAME', '%E2%9C%93', '-nope']) {
      for (const method of ['GET', 'HEAD', 'DELETE']) {
        const res = await b.client.request(`/v2/bad/app/manifests/${reference}`, { method });
        expect({ reference, method, status: res.status }).toEqual({ reference, method, status: 404 });
        if (method !== 'HEAD') expect(await errorCode(res)).toBe('MANIFEST_UNKNOWN');
      }
    }
    // Storing under such a name is the one refusal: a tag cannot have it.
    const put = await b.client.request('/v2/bad/app/manifests/.INVALID_MANIFEST_NAME', {
      method: 'PUT',
      body: '{}',
      headers: { 'Content-Type': ociManifest },
    });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('MANIFEST_INVALID');
  });

  it('refuses a manifest whose descriptor size differs from the stored blob or child manifest', async () => {
    const config = await b.client.pushBlob(
      'bad/sizes',
      '{"os":"x"}',
      'application/vnd.oci.image.config.v1+json',
    );
    const layer = await b.client.pushBlob(
      'bad/sizes',
      'layer bytes',
      'application/vnd.oci.image.layer.v1.tar',
    );
    for (const [manifest, where] of [
      [
        { schemaVersion: 2, mediaType: ociManifest, config: { ...config, size: 999 }, layers: [layer] },
        'config',
      ],
      [{ schemaVersion: 2, mediaType: ociManifest, config, layers: [{ ...layer, size: 1 }] }, 'layers[0]'],
    ] as const) {
      const res = await b.client.pushManifest('bad/sizes', 'wrong', manifest);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0]?.code).toBe('MANIFEST_INVALID');
      expect(body.errors[0]?.message).toContain(where);
    }
    const image = { schemaVersion: 2, mediaType: ociManifest, config, layers: [layer] };
    const put = await b.client.pushManifest('bad/sizes', 'right', image);
    expect(put.status).toBe(201);
    const child = {
      mediaType: ociManifest,
      digest: sha256(JSON.stringify(image)),
      size: JSON.stringify(image).length,
    };
    const index = (size: number) => ({
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [{ ...child, size }],
    });
    const wrongIndex = await b.client.pushManifest('bad/sizes', 'index', index(child.size + 1), ociIndex);
    expect(wrongIndex.status).toBe(400);
    expect(await errorCode(wrongIndex)).toBe('MANIFEST_INVALID');
    expect((await b.client.pushManifest('bad/sizes', 'index', index(child.size), ociIndex)).status).toBe(201);
    // Nothing of the refused pushes was stored.
    expect((await b.client.request('/v2/bad/sizes/manifests/wrong')).status).toBe(404);
  });

  it('refuses manifests over the size limit with 413', async () => {
    const config = await b.client.pushBlob('big', '{}', 'application/vnd.oci.empty.v1+json');
    const manifest = {
      schemaVersion: 2,
      mediaType: ociManifest,
      config,
      layers: [],
      annotations: { pad: 'x'.repeat(70 * 1024) },
    };
    const res = await b.client.pushManifest('big', 'v1', manifest);
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('SIZE_INVALID');
    const streamed = await b.client.request('/v2/big/manifests/v1', {
      method: 'PUT',
      headers: { 'Content-Type': ociManifest },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(Buffer.from(JSON.stringify(manifest)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('stores Docker schema 2 manifests and manifest lists; negotiates on Accept', async () => {
    const amd = await b.client.pushImage('multi', 'amd64', {
      mediaType: dockerManifest,
      layers: ['amd layer'],
    });
    const arm = await b.client.pushImage('multi', 'arm64', {
      mediaType: dockerManifest,
      layers: ['arm layer'],
    });
    const list = {
      schemaVersion: 2,
      mediaType: dockerList,
      manifests: [
        {
          mediaType: dockerManifest,
          digest: amd.digest,
          size: amd.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: dockerManifest,
          digest: arm.digest,
          size: arm.size,
          platform: { architecture: 'arm64', os: 'linux' },
        },
      ],
    };
    const put = await b.client.pushManifest('multi', 'latest', list, dockerList);
    expect(put.status).toBe(201);
    const get = await b.client.request('/v2/multi/manifests/latest', {
      headers: { Accept: `${dockerList}, ${dockerManifest}` },
    });
    expect(get.headers.get('content-type')).toBe(dockerList);
    const refused = await b.client.request('/v2/multi/manifests/latest', {
      headers: { Accept: ociManifest },
    });
    expect(refused.status).toBe(404);
    expect(await errorCode(refused)).toBe('MANIFEST_UNKNOWN');
    const wildcard = await b.client.request('/v2/multi/manifests/latest', {
      headers: { Accept: `${ociManifest}, */*` },
    });
    expect(wildcard.status).toBe(200);
  });

  it('keeps an index whole: children first, and no child deleted from under it', async () => {
    const one = await b.client.pushImage('idx', 'one', { layers: ['one'] });
    const two = await b.client.pushImage('idx', 'two', { layers: ['two'] });
    const index = {
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [one, two].map(({ body: _, ...d }) => d),
    };
    const missing = await b.client.pushManifest(
      'idx',
      'broken',
      {
        ...index,
        manifests: [...index.manifests, { mediaType: ociManifest, digest: sha256('absent'), size: 1 }],
      },
      ociIndex,
    );
    expect(missing.status).toBe(400);
    expect(await errorCode(missing)).toBe('MANIFEST_BLOB_UNKNOWN');
    const put = await b.client.pushManifest('idx', 'all', index, ociIndex);
    expect(put.status).toBe(201);
    const indexDigest = put.headers.get('docker-content-digest') as string;

    const blocked = await b.client.request(`/v2/idx/manifests/${one.digest}`, { method: 'DELETE' });
    expect(blocked.status).toBe(409);
    expect(await errorCode(blocked)).toBe('DENIED');
    expect((await b.client.request(`/v2/idx/manifests/${indexDigest}`, { method: 'DELETE' })).status).toBe(
      202,
    );
    expect((await b.client.request(`/v2/idx/manifests/${one.digest}`, { method: 'DELETE' })).status).toBe(
      202,
    );
    expect((await b.client.request('/v2/idx/manifests/one')).status).toBe(404);
    expect((await b.client.request('/v2/idx/manifests/all')).status).toBe(404);
  });

  it('deletes by digest (with its tags) and by tag (the tag only)', async () => {
    const image = await b.client.pushImage('deletes', 'a');
    await b.client.pushManifest('deletes', 'b', JSON.parse(image.body));
    expect((await b.client.request('/v2/deletes/manifests/b', { method: 'DELETE' })).status).toBe(202);
    expect((await b.client.request('/v2/deletes/manifests/b')).status).toBe(404);
    expect((await b.client.request(`/v2/deletes/manifests/${image.digest}`)).status).toBe(200);
    expect(
      (await b.client.request(`/v2/deletes/manifests/${image.digest}`, { method: 'DELETE' })).status,
    ).toBe(202);
    const gone = await b.client.request('/v2/deletes/manifests/a');
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('MANIFEST_UNKNOWN');
    const again = await b.client.request(`/v2/deletes/manifests/${image.digest}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    const unknownRepo = await b.client.request('/v2/never/pushed/manifests/latest');
    expect(await errorCode(unknownRepo)).toBe('NAME_UNKNOWN');
  });

  it('moves a tag when it is pushed again, and survives two pushes of one tag at once', async () => {
    const first = await b.client.pushImage('moving', 'latest', { layers: ['first'] });
    const second = await b.client.pushImage('moving', 'latest', { layers: ['second'] });
    const get = await b.client.request('/v2/moving/manifests/latest');
    expect(get.headers.get('docker-content-digest')).toBe(second.digest);
    expect((await b.client.request(`/v2/moving/manifests/${first.digest}`)).status).toBe(200);

    const results = await Promise.all(
      [first, second, first, second].map((m) => b.client.pushManifest('moving', 'race', JSON.parse(m.body))),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const final = (await b.client.request('/v2/moving/manifests/race')).headers.get('docker-content-digest');
    expect([first.digest, second.digest]).toContain(final);
  });

  it('lists tags in order, paginated with n, last and Link', async () => {
    const image = await b.client.pushImage('paged', 'seed');
    const tags = ['a', 'B', 'c-1', 'c.2', 'c_3', 'z', '0'];
    for (const tag of tags) await b.client.pushManifest('paged', tag, JSON.parse(image.body));
    const all = [...tags, 'seed'].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const full = await b.client.request('/v2/paged/tags/list');
    expect(await full.json()).toEqual({ name: 'paged', tags: all });
    expect(full.headers.get('link')).toBeNull();

    const seen: string[] = [];
    let path: string | undefined = '/v2/paged/tags/list?n=3';
    while (path) {
      const res: Response = await b.client.request(path);
      const body = (await res.json()) as { tags: string[] };
      expect(body.tags.length).toBeLessThanOrEqual(3);
      seen.push(...body.tags);
      const link = res.headers.get('link');
      path = link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined;
    }
    expect(seen).toEqual(all);
    expect(await (await b.client.request('/v2/paged/tags/list?n=2&last=c.2')).json()).toEqual({
      name: 'paged',
      tags: ['c_3', 'seed'],
    });
    expect(await (await b.client.request('/v2/paged/tags/list?n=0')).json()).toEqual({
      name: 'paged',
      tags: [],
    });
    const bad = await b.client.request('/v2/paged/tags/list?n=-1');
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('PAGINATION_NUMBER_INVALID');
    const unknown = await b.client.request('/v2/no/such/repo/tags/list');
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('NAME_UNKNOWN');
  });

  it('lists the catalog in order with pagination', async () => {
    await b.client.pushBlob('catalog/zz', 'x');
    await b.client.pushBlob('catalog/aa', 'x');
    const res = await b.client.request('/v2/_catalog');
    const names = ((await res.json()) as { repositories: string[] }).repositories;
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['catalog/aa', 'catalog/zz']));
    const page = await b.client.request('/v2/_catalog?n=1&last=catalog/aa');
    expect(await page.json()).toEqual({ repositories: ['catalog/zz'] });
    expect(page.headers.get('link')).toBe('</v2/_catalog?n=1&last=catalog%2Fzz>; rel="next"');
  });

  it('serves referrers with artifactType filtering; stores artifacts with empty config', async () => {
    const subject = await b.client.pushImage('refs', 'v1');
    const emptyBlob = await b.client.pushBlob('refs', '{}', emptyConfig.mediaType);
    expect(emptyBlob.digest).toBe(emptyConfig.digest);
    const sbomLayer = await b.client.pushBlob('refs', '{"spdxVersion":"SPDX-2.3"}', 'application/spdx+json');
    const sigLayer = await b.client.pushBlob(
      'refs',
      'signature',
      'application/vnd.dev.cosign.simplesigning.v1+json',
    );
    const subjectDescriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
    const sbom = {
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: 'application/spdx+json',
      config: emptyConfig,
      layers: [sbomLayer],
      subject: subjectDescriptor,
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    };
    const sbomBody = JSON.stringify(sbom);
    const put = await b.client.request(`/v2/refs/manifests/${sha256(sbomBody)}`, {
      method: 'PUT',
      body: sbomBody,
      headers: { 'Content-Type': ociManifest },
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(subject.digest);
    const sig = {
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: 'application/vnd.example.signature.config', digest: emptyConfig.digest, size: 2 },
      layers: [sigLayer],
      subject: subjectDescriptor,
    };
    expect((await b.client.pushManifest('refs', sha256(JSON.stringify(sig)), sig)).status).toBe(201);

    const all = await b.client.request(`/v2/refs/referrers/${subject.digest}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(ociIndex);
    const index = (await all.json()) as {
      schemaVersion: number;
      mediaType: string;
      manifests: Record<string, unknown>[];
    };
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(ociIndex);
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests).toContainEqual({
      mediaType: ociManifest,
      digest: sha256(sbomBody),
      size: Buffer.byteLength(sbomBody),
      artifactType: 'application/spdx+json',
      annotations: sbom.annotations,
    });
    expect(index.manifests.map((m) => m.artifactType)).toContain('application/vnd.example.signature.config');

    const filtered = await b.client.request(
      `/v2/refs/referrers/${subject.digest}?artifactType=application/spdx%2Bjson`,
    );
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toHaveLength(1);

    const none = await b.client.request(`/v2/refs/referrers/${sha256('no subject')}`);
    expect(none.status).toBe(200);
    expect(((await none.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    const bad = await b.client.request('/v2/refs/referrers/sha256:short');
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('DIGEST_INVALID');

    // The artifact itself is pulled like any image.
    const artifact = await b.client.request(`/v2/refs/manifests/${sha256(sbomBody)}`);
    expect(await artifact.text()).toBe(sbomBody);
  });

  it('accepts a referrer whose subject is not pushed yet', async () => {
    const blob = await b.client.pushBlob('early', '{}', emptyConfig.mediaType);
    const artifact = {
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: 'application/vnd.example',
      config: { ...emptyConfig, digest: blob.digest },
      layers: [],
      subject: { mediaType: ociManifest, digest: sha256('future image'), size: 10 },
    };
    const put = await b.client.pushManifest('early', 'sig', artifact);
    expect(put.status).toBe(201);
    const list = await b.client.request(`/v2/early/referrers/${sha256('future image')}`);
    expect(((await list.json()) as { manifests: unknown[] }).manifests).toHaveLength(1);
  });
});
