import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { ociIndex, ociManifest, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { LoopbackAdapter } from '../support/scanner-adapter.js';
import { waitForOverview } from '../support/scans.js';

const reportType = 'application/vnd.security.vulnerability.report; version=1.1';
const apiKey = 'adapter-key-1';

interface Registration {
  uuid: string;
  name: string;
  url: string;
  is_default: boolean;
  disabled: boolean;
  adapter: string;
  vendor: string;
  version: string;
  health: string;
  access_credential: string;
  capabilities: Record<string, boolean>;
}

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 's3'],
] as const)('pluggable scanners (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, { 'jobs.pollMs': 20 }, ['ext', 'idx', 'builtin']);
  const basic = new LoopbackAdapter({ registryAuthorization: 'Basic', apiKey, notReadyPolls: 1 });
  const bearer = new LoopbackAdapter({ registryAuthorization: 'Bearer', apiKey, notReadyPolls: 0 });
  let admin: ApiClient;
  let basicId = '';
  let bearerId = '';
  let builtInId = '';

  const settings = (adapter: LoopbackAdapter, name: string) => ({
    name,
    url: adapter.url,
    auth: 'X-ScannerAdapter-API-Key',
    access_credential: apiKey,
  });

  async function register(adapter: LoopbackAdapter, name: string): Promise<string> {
    const res = await admin.call('POST', '/scanners', {
      ...settings(adapter, name),
      description: 'a test adapter',
    });
    expect(res.status).toBe(201);
    return (res.headers.get('location') ?? '').split('/').pop() ?? '';
  }

  const overview = (project: string, repo: string, reference: string) =>
    waitForOverview(admin, project, repo, reference);

  beforeAll(async () => {
    await basic.start();
    await bearer.start();
    admin = await adminApiClient(b.server.url);
  });
  afterAll(async () => {
    await basic.stop();
    await bearer.stop();
  });

  it('lists the built-in scanner as the default; only administrators manage registrations', async () => {
    const list = await admin.call<Registration[]>('GET', '/scanners');
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(list.body).toEqual([
      expect.objectContaining({
        name: 'Berth',
        is_default: true,
        health: 'healthy',
        adapter: 'Berth',
        capabilities: { support_vulnerability: true, support_sbom: true },
      }),
    ]);
    builtInId = list.body[0]?.uuid ?? '';
    expect(
      (
        await admin.call('POST', '/users', {
          username: 'dev',
          password: 'Passw0rd!',
          email: 'dev@example.com',
          realname: 'dev',
        })
      ).status,
    ).toBe(201);
    const dev = admin.as('dev', 'Passw0rd!');
    expect((await dev.call('GET', '/scanners')).status).toBe(403);
    expect((await dev.call('POST', '/scanners', settings(basic, 'x'))).status).toBe(403);
    expect((await admin.anonymous().call('GET', '/scanners')).status).toBe(401);
    const deleteBuiltIn = await admin.call('DELETE', `/scanners/${builtInId}`);
    expect(deleteBuiltIn.status).toBe(403);
    expect(errorOf(deleteBuiltIn)?.message).toMatch(/built in/);
    expect((await admin.call('PATCH', `/scanners/${builtInId}`, { is_default: false })).status).toBe(400);
  });

  it('pings an adapter, registers it and shows what the adapter says of itself', async () => {
    expect((await admin.call('POST', '/scanners/ping', settings(basic, 'Loopback'))).status).toBe(200);
    const wrongKey = await admin.call('POST', '/scanners/ping', {
      ...settings(basic, 'Loopback'),
      access_credential: 'nope',
    });
    expect(wrongKey.status).toBe(502);
    expect(errorOf(wrongKey)?.message).toMatch(/answered metadata with 401: missing or wrong API key/);
    const down = await admin.call('POST', '/scanners/ping', { name: 'down', url: 'http://127.0.0.1:1' });
    expect(down.status).toBe(502);
    expect(errorOf(down)?.message).toMatch(/unreachable/);

    basicId = await register(basic, 'Loopback basic');
    const got = await admin.call<Registration>('GET', `/scanners/${basicId}`);
    expect(got.body).toMatchObject({
      name: 'Loopback basic',
      url: basic.url,
      is_default: false,
      disabled: false,
      adapter: 'Loopback',
      vendor: 'Berth tests',
      version: '0.1.0',
      health: 'healthy',
      access_credential: '',
      capabilities: { support_vulnerability: true, support_sbom: false },
    });
    const metadata = await admin.call<{ properties: Record<string, string> }>(
      'GET',
      `/scanners/${basicId}/metadata`,
    );
    expect(metadata.body.properties['harbor.scanner-adapter/registry-authorization-type']).toBe('Basic');

    expect((await admin.call('POST', '/scanners', settings(basic, 'Loopback basic'))).status).toBe(409);
    expect(
      (await admin.call('POST', '/scanners', { ...settings(basic, 'other'), url: 'ftp://example.com' }))
        .status,
    ).toBe(400);
    expect(
      (await admin.call('POST', '/scanners', { ...settings(bearer, 'other'), auth: 'Digest' })).status,
    ).toBe(400);
    expect((await admin.call('POST', '/scanners', { ...settings(bearer, 'other'), bogus: 1 })).status).toBe(
      400,
    );
    expect((await admin.call('GET', '/scanners/no-such-id')).status).toBe(404);

    // An update without a credential keeps the stored one: the adapter still answers.
    const update = await admin.call('PUT', `/scanners/${basicId}`, {
      name: 'Loopback basic',
      url: basic.url,
      auth: 'X-ScannerAdapter-API-Key',
      access_credential: '',
      description: 'changed',
    });
    expect(update.status).toBe(200);
    expect((await admin.call<Registration>('GET', `/scanners/${basicId}`)).body.health).toBe('healthy');
    const filtered = await admin.call<Registration[]>('GET', '/scanners?q=name%3D~basic');
    expect(filtered.body.map((r) => r.name)).toEqual(['Loopback basic']);
  });

  it('scans a project’s images with its chosen adapter, which pulls them with a token for that repository', async () => {
    expect((await admin.call('PUT', '/projects/ext/scanner', { uuid: basicId })).status).toBe(200);
    expect((await admin.call('PUT', '/projects/ext/scanner', { uuid: 'no-such-id' })).status).toBe(400);
    expect((await admin.call<Registration>('GET', '/projects/ext/scanner')).body.name).toBe('Loopback basic');
    expect((await admin.call<Registration>('GET', '/projects/builtin/scanner')).body.name).toBe('Berth');
    const candidates = await admin.call<Registration[]>('GET', '/projects/ext/scanner/candidates');
    expect(candidates.body.map((r) => r.name).sort()).toEqual(['Berth', 'Loopback basic']);

    const image = await b.client.pushImage('ext/app', 'v1', { layers: ['layer one', 'layer two'] });
    await b.client.pushImage('ext/secret', 'v1', { layers: ['private'] });
    expect((await admin.call('POST', '/projects/ext/repositories/app/artifacts/v1/scan')).status).toBe(202);
    const result = await overview('ext', 'app', 'v1');
    expect(result).toMatchObject({
      scan_status: 'Success',
      severity: 'High',
      summary: { total: 4, summary: { High: 2, None: 2 } },
      scanner: { name: 'Loopback', vendor: 'Berth tests', version: '0.1.0' },
    });

    const [scan] = [...basic.scans.values()];
    expect(scan?.request.artifact).toEqual({
      repository: 'ext/app',
      digest: image.digest,
      mime_type: ociManifest,
    });
    expect(scan?.request.registry.url).toBe(b.server.url);
    expect(scan?.request.registry.authorization).toMatch(/^Basic /);
    expect(scan?.pulls.map((p) => [p.status, p.via])).toEqual([
      [200, 'given'],
      [200, 'given'],
      [200, 'given'],
    ]);
    // Berth asked for the report until it was ready (302, then 200), naming the report type it reads.
    expect(scan?.polls).toBe(2);
    expect(basic.calls.filter((c) => c.path.endsWith('/report')).every((c) => c.accept === reportType)).toBe(
      true,
    );
    expect(basic.calls.filter((c) => c.path.startsWith('/api/v1/scan')).every((c) => c.authorized)).toBe(
      true,
    );

    // The pull credentials are for that repository only; the token service turns them into tokens.
    const authorization = scan?.request.registry.authorization ?? '';
    const own = encodeURIComponent('repository:ext/app:pull,push');
    const ownToken = (await (
      await fetch(`${b.server.url}/service/token?service=berth-registry&scope=${own}`, {
        headers: { authorization },
      })
    ).json()) as { token: string; access?: unknown };
    const manifest = await fetch(`${b.server.url}/v2/ext/app/manifests/v1`, {
      headers: { authorization: `Bearer ${ownToken.token}`, accept: ociManifest },
    });
    expect(manifest.status).toBe(200);
    const push = await fetch(`${b.server.url}/v2/ext/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownToken.token}` },
    });
    expect(push.status).toBe(401);
    const other = await fetch(`${b.server.url}/v2/ext/secret/manifests/v1`, { headers: { authorization } });
    expect(other.status).toBe(403);
    const scope = encodeURIComponent('repository:ext/secret:pull');
    const token = (await (
      await fetch(`${b.server.url}/service/token?service=berth-registry&scope=${scope}`, {
        headers: { authorization },
      })
    ).json()) as { token: string };
    const withToken = await fetch(`${b.server.url}/v2/ext/secret/manifests/v1`, {
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(withToken.status).toBe(401);
    // …and not for the management API.
    const api = await fetch(`${b.server.url}/api/v2.0/projects/ext`, { headers: { authorization } });
    expect(api.status).toBe(404);

    const report = await admin.call<
      Record<string, { scanner: { name: string }; vulnerabilities: Record<string, unknown>[] }>
    >('GET', '/projects/ext/repositories/app/artifacts/v1/additions/vulnerabilities');
    expect(report.body[reportType]?.scanner.name).toBe('Loopback');
    const layer = sha256('layer one');
    expect(report.body[reportType]?.vulnerabilities).toContainEqual({
      id: `CVE-2099-${layer.slice(7, 11)}`,
      package: 'package-0',
      version: '1.0.0',
      fix_version: '1.0.1',
      severity: 'High',
      description: 'found by the loopback adapter',
      links: ['https://example.com/advisory'],
      layer: { digest: layer },
      preferred_cvss: { score_v3: 7.5, vector_v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' },
      cwe_ids: ['CWE-79'],
      vendor_attributes: { adapter: 'loopback', osv_ids: [] },
    });
  });

  it('judges pulls by the project scanner’s report, and lets the adapter pull for a rescan', async () => {
    expect(
      (await admin.call('PUT', '/projects/ext', { metadata: { prevent_vul: 'true', severity: 'high' } }))
        .status,
    ).toBe(200);
    const blocked = await b.client.request('/v2/ext/app/manifests/v1');
    expect(blocked.status).toBe(412);
    expect(await blocked.text()).toMatch(/current image with 2 vulnerabilities cannot be pulled/);
    const before = basic.scans.size;
    expect((await admin.call('POST', '/projects/ext/repositories/app/artifacts/v1/scan')).status).toBe(202);
    for (let i = 0; i < 500 && basic.scans.size === before; i++) await sleep(20);
    const rescan = [...basic.scans.values()].at(-1);
    for (let i = 0; i < 500 && rescan?.vulnerabilities === undefined && !rescan?.error; i++) await sleep(20);
    expect(rescan?.error).toBeUndefined();
    expect(rescan?.pulls[0]?.status).toBe(200);
    expect((await admin.call('PUT', '/projects/ext', { metadata: { prevent_vul: 'false' } })).status).toBe(
      200,
    );
    expect((await b.client.request('/v2/ext/app/manifests/v1')).status).toBe(200);
  });

  it('records an adapter’s failure in the report, and refuses scans by a disabled scanner', async () => {
    await b.client.pushImage('ext/broken', 'v1', { layers: ['x'] });
    basic.failReports = true;
    try {
      expect((await admin.call('POST', '/projects/ext/repositories/broken/artifacts/v1/scan')).status).toBe(
        202,
      );
      const failed = await overview('ext', 'broken', 'v1');
      expect(failed?.scan_status).toBe('Error');
    } finally {
      basic.failReports = false;
    }
    expect(
      (
        await admin.call('PUT', `/scanners/${basicId}`, {
          ...settings(basic, 'Loopback basic'),
          disabled: true,
        })
      ).status,
    ).toBe(200);
    const refused = await admin.call('POST', '/projects/ext/repositories/app/artifacts/v1/scan');
    expect(refused.status).toBe(412);
    expect(errorOf(refused)?.message).toMatch(/disabled/);
    expect((await admin.call('PUT', `/scanners/${basicId}`, settings(basic, 'Loopback basic'))).status).toBe(
      200,
    );
  });

  it('scans an index image by image with the system default adapter, speaking Bearer to the registry', async () => {
    bearerId = await register(bearer, 'Loopback bearer');
    expect((await admin.call('PATCH', `/scanners/${bearerId}`, { is_default: true })).status).toBe(200);
    const list = await admin.call<Registration[]>('GET', '/scanners?sort=name');
    expect(list.body.filter((r) => r.is_default).map((r) => r.name)).toEqual(['Loopback bearer']);
    expect((await admin.call<Registration>('GET', '/projects/idx/scanner')).body.name).toBe(
      'Loopback bearer',
    );

    const amd = await b.client.pushImage('idx/multi', 'amd64', { layers: ['amd64 layer'] });
    const arm = await b.client.pushImage('idx/multi', 'arm64', { layers: ['arm64 layer'] });
    const index = {
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [
        {
          mediaType: ociManifest,
          digest: amd.digest,
          size: amd.size,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          mediaType: ociManifest,
          digest: arm.digest,
          size: arm.size,
          platform: { os: 'linux', architecture: 'arm64' },
        },
      ],
    };
    expect((await b.client.pushManifest('idx/multi', 'latest', index, ociIndex)).status).toBe(201);
    expect((await admin.call('POST', '/projects/idx/repositories/multi/artifacts/latest/scan')).status).toBe(
      202,
    );
    expect(await overview('idx', 'multi', 'latest')).toMatchObject({
      scan_status: 'Success',
      summary: { total: 4 },
    });
    expect(await overview('idx', 'multi', amd.digest)).toMatchObject({
      scan_status: 'Success',
      summary: { total: 2 },
    });
    const digests = [...bearer.scans.values()].map((s) => s.request.artifact.digest).sort();
    expect(digests).toEqual([amd.digest, arm.digest].sort());
    expect(digests).not.toContain(sha256(JSON.stringify(index)));
    for (const scan of bearer.scans.values()) {
      expect(scan.request.registry.authorization).toMatch(/^Bearer /);
      expect(scan.pulls.every((p) => p.status === 200 && p.via === 'given')).toBe(true);
    }
  });

  it('keeps one default: the default cannot be removed; a removed project scanner falls back', async () => {
    expect((await admin.call('PUT', '/projects/idx/scanner', { uuid: bearerId })).status).toBe(200);
    const refused = await admin.call('DELETE', `/scanners/${bearerId}`);
    expect(refused.status).toBe(412);
    expect((await admin.call('PATCH', `/scanners/${builtInId}`, { is_default: true })).status).toBe(200);
    const deleted = await admin.call<Registration>('DELETE', `/scanners/${bearerId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.name).toBe('Loopback bearer');
    expect((await admin.call<Registration>('GET', '/projects/idx/scanner')).body.name).toBe('Berth');
    const audit = await admin.call<{ operation: string; resource_type: string; resource: string }[]>(
      'GET',
      '/audit-logs?q=resource_type%3Dscanner&page_size=50',
    );
    expect(audit.body).toContainEqual(
      expect.objectContaining({ operation: 'delete', resource_type: 'scanner', resource: 'Loopback bearer' }),
    );
  });
});
