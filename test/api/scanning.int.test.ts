import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { VulnDbService } from '../../src/scan/index.js';
import { type ApiClient, adminApiClient } from '../support/api-client.js';
import { ociIndex, sha256 } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { type Overview, waitForOverview } from '../support/scans.js';
import { tempDir } from '../support/services.js';

const reportType = 'application/vnd.security.vulnerability.report; version=1.1';

async function layerOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name }, Buffer.from(content));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** An OSV archive (member name → record, or raw text for a broken member), as bytes. */
async function zipOf(members: Record<string, unknown>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(members))
    zip.addBuffer(Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const debian = (packages: string) => ({
  'etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
  'var/lib/dpkg/status': packages,
});
const dpkgEntry = (name: string, source: string, version: string) =>
  `Package: ${name}\nStatus: install ok installed\nSource: ${source}\nVersion: ${version}\n\n`;

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 's3'],
] as const)('vulnerability scanning through the API (%s, %s)', (databaseKind, storageKind) => {
  const b = useBackend(
    databaseKind,
    storageKind,
    { 'jobs.pollMs': 20, 'admission.registryHosts': ['registry.example.com:5000'] },
    ['auto', 'manual'],
  );
  let admin: ApiClient;
  let work: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    work = await tempDir('berth-scan-api-');
    expect((await admin.call('PUT', '/projects/auto', { metadata: { auto_scan: 'true' } })).status).toBe(200);
    const file = path.join(work.dir, 'all.zip');
    await writeFile(
      file,
      await zipOf({
        'DEBIAN-CVE-2023-0001.json': {
          id: 'DEBIAN-CVE-2023-0001',
          modified: '2026-01-01T00:00:00Z',
          aliases: ['CVE-2023-0001'],
          summary: 'openssl: a bad bug',
          severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
          affected: [
            {
              package: { ecosystem: 'Debian:12', name: 'openssl' },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }],
            },
          ],
        },
        'DEBIAN-CVE-2024-0002.json': {
          id: 'DEBIAN-CVE-2024-0002',
          modified: '2026-01-01T00:00:00Z',
          database_specific: { severity: 'low' },
          affected: [{ package: { ecosystem: 'Debian:12', name: 'zlib' }, versions: ['1:1.2.13.dfsg-1'] }],
        },
      }),
    );
    const handle = await b.database.open();
    try {
      await new VulnDbService({
        db: handle.db,
        now: Date.now,
        logger: pino({ level: 'silent' }),
      }).importArchive(file, 'Debian');
    } finally {
      await handle.close();
    }
  });
  afterAll(async () => {
    await work?.remove();
  });

  /** A Debian image with these dpkg entries in its one layer; answers its descriptor and the layer's digest. */
  async function pushImage(repo: string, tag: string, packages: string, arch = 'amd64') {
    const layer = await layerOf(debian(packages));
    const image = await b.client.pushImage(repo, tag, {
      layers: [layer],
      config: { architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
    });
    return { ...image, layer: sha256(layer) };
  }

  const overview = (project: string, repo: string, reference: string, until?: string) =>
    waitForOverview(admin, project, repo, reference, until);

  it('scans on push in a project with auto_scan, and reports what it found', async () => {
    const image = await pushImage(
      'auto/app',
      'v1',
      dpkgEntry('libssl3', 'openssl', '3.0.11-1~deb12u1') + dpkgEntry('zlib1g', 'zlib', '1:1.2.13.dfsg-1'),
    );
    const result = await overview('auto', 'app', 'v1');
    expect(result).toMatchObject({
      scan_status: 'Success',
      severity: 'Critical',
      summary: { total: 2, fixable: 1, summary: { Critical: 1, Low: 1 } },
    });
    const report = await admin.call<
      Record<string, { severity: string; vulnerabilities: Record<string, unknown>[] }>
    >('GET', '/projects/auto/repositories/app/artifacts/v1/additions/vulnerabilities');
    expect(report.status).toBe(200);
    const vulnerabilities = report.body[reportType]?.vulnerabilities ?? [];
    expect(vulnerabilities).toEqual([
      expect.objectContaining({
        id: 'CVE-2023-0001',
        package: 'libssl3',
        version: '3.0.11-1~deb12u1',
        fix_version: '3.0.11-1~deb12u2',
        severity: 'Critical',
        layer: { digest: image.layer },
        preferred_cvss: { score_v3: 9.8 },
        vendor_attributes: { osv_ids: ['DEBIAN-CVE-2023-0001'] },
      }),
      expect.objectContaining({
        id: 'DEBIAN-CVE-2024-0002',
        package: 'zlib1g',
        fix_version: '',
        severity: 'Low',
      }),
    ]);
  });

  it('scans on request elsewhere; an index’s report is the union of its children’s', async () => {
    const clean = await pushImage('manual/app', 'clean', dpkgEntry('libssl3', 'openssl', '3.0.11-1~deb12u2'));
    const none = await admin.call<{ scan_overview?: unknown }>(
      'GET',
      '/projects/manual/repositories/app/artifacts/clean?with_scan_overview=true',
    );
    expect(none.body.scan_overview).toBeUndefined();
    expect(
      (await admin.call('GET', '/projects/manual/repositories/app/artifacts/clean/additions/vulnerabilities'))
        .body,
    ).toEqual({});
    expect((await admin.call('POST', '/projects/manual/repositories/app/artifacts/clean/scan')).status).toBe(
      202,
    );
    expect(await overview('manual', 'app', 'clean')).toMatchObject({
      severity: 'None',
      summary: { total: 0 },
    });

    const vulnerable = await pushImage(
      'manual/app',
      'arm',
      dpkgEntry('zlib1g', 'zlib', '1:1.2.13.dfsg-1'),
      'arm64',
    );
    const index = {
      schemaVersion: 2,
      mediaType: ociIndex,
      manifests: [clean, vulnerable].map((d, i) => ({
        mediaType: d.mediaType,
        digest: d.digest,
        size: d.size,
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    };
    expect((await b.client.pushManifest('manual/app', 'multi', index, ociIndex)).status).toBe(201);
    expect((await admin.call('POST', '/projects/manual/repositories/app/artifacts/multi/scan')).status).toBe(
      202,
    );
    expect(await overview('manual', 'app', 'multi')).toMatchObject({
      severity: 'Low',
      summary: { total: 1 },
    });
    expect((await admin.call('POST', '/projects/manual/repositories/app/artifacts/nosuch/scan')).status).toBe(
      404,
    );
  });

  it('refuses pulls above the project’s severity, with allowlists and an option for unscanned images', async () => {
    const pull = async (repo: string, reference: string) => {
      const res = await b.client.request(`/v2/${repo}/manifests/${reference}`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const body =
        res.status === 200
          ? undefined
          : ((await res.json()) as { errors: { code: string; message: string }[] });
      return { status: res.status, error: body?.errors[0] };
    };
    const first = await pull('auto/app', 'v1');
    expect(first).toEqual({ status: 200, error: undefined });
    const meta = await admin.call('POST', '/projects/auto/metadatas/', {
      prevent_vul: 'true',
      severity: 'high',
    });
    expect(meta.status).toBe(200);
    const blocked = await pull('auto/app', 'v1');
    expect(blocked.status).toBe(412);
    expect(blocked.error?.code).toBe('DENIED');
    expect(blocked.error?.message).toContain('current image with 1 vulnerabilities cannot be pulled');
    expect(blocked.error?.message).toContain('"High"');

    const audit = await admin.call<
      { operation: string; resource: string; operation_result: boolean; operation_description: string }[]
    >('GET', '/auditlog-exts?page_size=100');
    expect(audit.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'pull',
          resource: 'auto/app:v1',
          operation_result: false,
          operation_description: expect.stringContaining('blocked by the vulnerability policy'),
        }),
      ]),
    );

    // The project's allowlist exempts the CVE (the Low finding is under the threshold).
    const allow = (list: { items: { cve_id: string }[]; expires_at?: number | null }) =>
      admin.call('PUT', '/projects/auto', { cve_allowlist: list });
    expect((await allow({ items: [{ cve_id: 'CVE-2023-0001' }], expires_at: null })).status).toBe(200);
    expect((await pull('auto/app', 'v1')).status).toBe(200);
    const project = await admin.call<{ cve_allowlist: { items: { cve_id: string }[] } }>(
      'GET',
      '/projects/auto',
    );
    expect(project.body.cve_allowlist).toMatchObject({
      items: [{ cve_id: 'CVE-2023-0001' }],
      expires_at: null,
    });
    expect(
      (await allow({ items: [{ cve_id: 'CVE-2023-0001' }], expires_at: Math.floor(Date.now() / 1000) - 60 }))
        .status,
    ).toBe(200);
    expect((await pull('auto/app', 'v1')).status).toBe(412);
    expect((await allow({ items: [{ cve_id: 'not a cve!' }] })).status).toBe(400);

    // Reusing the system allowlist instead.
    expect(
      (await admin.call('POST', '/projects/auto/metadatas/', { reuse_sys_cve_allowlist: 'true' })).status,
    ).toBe(200);
    expect((await pull('auto/app', 'v1')).status).toBe(412);
    expect(
      (await admin.call('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2023-0001' }] })).status,
    ).toBe(200);
    expect((await admin.call<{ items: unknown[] }>('GET', '/system/CVEAllowlist')).body.items).toEqual([
      { cve_id: 'CVE-2023-0001' },
    ]);
    expect((await pull('auto/app', 'v1')).status).toBe(200);
    expect((await admin.anonymous().call('GET', '/system/CVEAllowlist')).status).toBe(401);

    // A threshold of low also counts the Low finding; the system list does not cover it.
    expect((await admin.call('PUT', '/projects/auto/metadatas/severity', { severity: 'low' })).status).toBe(
      200,
    );
    expect((await pull('auto/app', 'v1')).status).toBe(412);

    // Unscanned images: allowed unless the project says otherwise.
    await pushImage('manual/app', 'fresh', dpkgEntry('libssl3', 'openssl', '3.0.11-1~deb12u3'));
    expect((await admin.call('POST', '/projects/manual/metadatas/', { prevent_vul: 'true' })).status).toBe(
      200,
    );
    expect((await pull('manual/app', 'fresh')).status).toBe(200);
    expect(
      (await admin.call('POST', '/projects/manual/metadatas/', { prevent_unscanned: 'true' })).status,
    ).toBe(200);
    const unscanned = await pull('manual/app', 'fresh');
    expect(unscanned.status).toBe(412);
    expect(unscanned.error?.message).toContain('not been scanned');
    expect((await admin.call('POST', '/projects/manual/repositories/app/artifacts/fresh/scan')).status).toBe(
      202,
    );
    await overview('manual', 'app', 'fresh');
    expect((await pull('manual/app', 'fresh')).status).toBe(200);
  });

  it('answers Kubernetes admission reviews by the same policy', async () => {
    const review = (object: unknown, uid = 'e3c1') => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        operation: 'CREATE',
        object,
      },
    });
    type Answer = {
      apiVersion: string;
      kind: string;
      response: { uid: string; allowed: boolean; status?: { code: number; message: string } };
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        initContainers: [{ name: 'init', image: 'docker.io/library/busybox:1.36' }],
        containers: [
          { name: 'app', image: 'registry.example.com:5000/auto/app:v1' },
          { name: 'side', image: 'registry.example.com:5000/manual/app:fresh' },
        ],
      },
    };
    const denied = await admin.call<Answer>('POST', '/admission', review(pod));
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'e3c1', allowed: false, status: { code: 403 } },
    });
    expect(denied.body.response.status?.message).toContain(
      'registry.example.com:5000/auto/app:v1: current image with 1 vulnerabilities',
    );
    expect(denied.body.response.status?.message).not.toContain('manual/app');

    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: {
        template: {
          spec: { containers: [{ name: 'side', image: 'registry.example.com:5000/manual/app:fresh' }] },
        },
      },
    };
    const allowed = await admin.call<Answer>('POST', '/admission', review(deployment, 'u2'));
    expect(allowed.body.response).toEqual({ uid: 'u2', allowed: true });

    const missing = await admin.call<Answer>(
      'POST',
      '/admission',
      review({ spec: { containers: [{ name: 'x', image: 'registry.example.com:5000/auto/nope:1' }] } }, 'u3'),
    );
    expect(missing.body.response.allowed).toBe(false);
    expect(missing.body.response.status?.message).toContain('not found in this registry');
    // Without credentials, a private project's images are refused in the same words as missing ones.
    const hidden = await admin.anonymous().call<Answer>('POST', '/admission', review(deployment, 'u4'));
    expect(hidden.body.response.allowed).toBe(false);
    expect(hidden.body.response.status?.message).toContain('not visible to the webhook');
    expect((await admin.call('POST', '/admission', { kind: 'Nonsense' })).status).toBe(400);
  });

  it('imports OSV archives through the API and shows the database in systeminfo', async () => {
    const record = JSON.stringify({
      id: 'GHSA-test-0001',
      modified: '2026-03-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, versions: ['4.17.20'] }],
    });
    const post = (body: Buffer, authorization: string) =>
      fetch(`${b.server.url}/api/v2.0/vulndb/import?source=npm`, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/zip' },
        body,
      });
    const adminAuth = `Basic ${Buffer.from('admin:Admin12345').toString('base64')}`;
    const imported = await post(await zipOf({ 'GHSA-test-0001.json': record }), adminAuth);
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ source: 'npm', records: 1, added: 1 });
    const broken = await post(await zipOf({ 'GOOD.json': record, 'BAD.json': '{' }), adminAuth);
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain(
      'BAD.json',
    );
    expect((await post(Buffer.from('not a zip'), adminAuth)).status).toBe(400);
    expect((await post(await zipOf({ 'X.json': record }), '')).status).toBe(401);
    const info = await admin.call<{ vulnerability_database: { source: string; records: number }[] }>(
      'GET',
      '/systeminfo',
    );
    expect(info.body.vulnerability_database).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'Debian', records: 2 }),
        expect.objectContaining({ source: 'npm', records: 1 }),
      ]),
    );
  });

  it('publishes SPDX and CycloneDX SBOMs of a scanned image as its referrers', async () => {
    const v1 = await admin.call<{ digest: string }>('GET', '/projects/auto/repositories/app/artifacts/v1');
    const digest = v1.body.digest;
    type Index = { manifests: { digest: string; artifactType: string }[] };
    let referrers: Index = { manifests: [] };
    for (let i = 0; i < 1500 && referrers.manifests.length < 2; i++) {
      referrers = (await (await b.client.request(`/v2/auto/app/referrers/${digest}`)).json()) as Index;
      if (referrers.manifests.length < 2) await sleep(20);
    }
    expect(referrers.manifests.map((m) => m.artifactType).sort()).toEqual([
      'application/spdx+json',
      'application/vnd.cyclonedx+json',
    ]);
    const spdxManifest = referrers.manifests.find((m) => m.artifactType === 'application/spdx+json');
    const manifest = (await (
      await b.client.request(`/v2/auto/app/manifests/${spdxManifest?.digest}`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { subject: { digest: string }; layers: { digest: string }[] };
    expect(manifest.subject.digest).toBe(digest);
    const spdx = (await (
      await b.client.request(`/v2/auto/app/blobs/${manifest.layers[0]?.digest}`)
    ).json()) as {
      spdxVersion: string;
      packages: { name: string; externalRefs?: { referenceLocator: string }[] }[];
    };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    expect(spdx.packages.flatMap((p) => p.externalRefs?.map((r) => r.referenceLocator) ?? [])).toEqual([
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12',
      'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?distro=debian-12',
    ]);

    // The SBOMs are accessories of the image, not artifacts beside it; the API serves them too.
    const detail = await admin.call<{ accessories: { type: string }[] }>(
      'GET',
      '/projects/auto/repositories/app/artifacts/v1?with_accessory=true',
    );
    expect(detail.body.accessories.map((a) => a.type)).toEqual(['sbom.harbor', 'sbom.harbor']);
    expect(
      (await admin.call<unknown[]>('GET', '/projects/auto/repositories/app/artifacts')).body,
    ).toHaveLength(1);
    const cyclonedx = await admin.call<{
      bomFormat: string;
      specVersion: string;
      components: { purl: string }[];
    }>('GET', '/projects/auto/repositories/app/artifacts/v1/additions/sbom?format=cyclonedx');
    expect(cyclonedx.body).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });
    expect(cyclonedx.body.components.map((c) => c.purl)).toHaveLength(2);
    const served = await admin.call<{ spdxVersion: string }>(
      'GET',
      '/projects/auto/repositories/app/artifacts/v1/additions/sbom',
    );
    expect(served.body.spdxVersion).toBe('SPDX-2.3');

    // Scanning again publishes the same documents: still two referrers.
    expect((await admin.call('POST', '/projects/auto/repositories/app/artifacts/v1/scan')).status).toBe(202);
    await overview('auto', 'app', 'v1');
    await sleep(200);
    const again = (await (await b.client.request(`/v2/auto/app/referrers/${digest}`)).json()) as Index;
    expect(again.manifests).toHaveLength(2);
    const unscanned = await admin.call(
      'GET',
      '/projects/manual/repositories/app/artifacts/arm/additions/sbom',
    );
    expect(unscanned.status).toBe(404);
  });

  it('scans everything on request, keeping each last successful report while its rescan runs', async () => {
    expect((await admin.call('POST', '/projects/auto/repositories/app/artifacts/v1/scan')).status).toBe(202);
    const during = await admin.call<{ scan_overview: Record<string, Overview> }>(
      'GET',
      '/projects/auto/repositories/app/artifacts/v1?with_scan_overview=true',
    );
    expect(during.body.scan_overview[reportType]?.scan_status).toBe('Success');
    const arm = async () =>
      (
        await admin.call<{ scan_overview?: Record<string, Overview> }>(
          'GET',
          '/projects/manual/repositories/app/artifacts/arm?with_scan_overview=true',
        )
      ).body.scan_overview?.[reportType];
    expect(await arm()).toBeUndefined();
    expect((await admin.call('POST', '/system/scanAll/now')).status).toBe(202);
    expect((await admin.as('nobody', 'x').call('POST', '/system/scanAll/now')).status).toBe(401);
    let status: string | undefined;
    for (let i = 0; i < 1500 && status !== 'Success'; i++) {
      await sleep(20);
      status = (await arm())?.scan_status;
    }
    expect(await arm()).toMatchObject({ scan_status: 'Success', severity: 'Low' });
  });
});

describe('vulnerability database updates from a mirror', () => {
  const overrides: Record<string, unknown> = { 'jobs.pollMs': 20, 'vulndb.ecosystems': ['Debian', 'npm'] };
  const requested: string[] = [];
  let archive: Buffer = Buffer.alloc(0);
  let mirror: Server;

  beforeAll(async () => {
    archive = await zipOf({
      'DEBIAN-CVE-2025-0003.json': {
        id: 'DEBIAN-CVE-2025-0003',
        modified: '2026-06-01T00:00:00Z',
        database_specific: { severity: 'medium' },
        affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, versions: ['3.0.11-1~deb12u2'] }],
      },
    });
    mirror = createServer((req, res) => {
      requested.push(req.url ?? '');
      if (req.url === '/Debian/all.zip') res.end(archive);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    // Read by the server's start, which comes after this hook.
    overrides['vulndb.mirrorUrl'] = `http://127.0.0.1:${(mirror.address() as { port: number }).port}/`;
  });
  const b = useBackend('sqlite', 'filesystem', overrides, ['mirrored']);
  afterAll(async () => {
    await new Promise<void>((resolve) => mirror.close(() => resolve()));
  });

  it('fetches each ecosystem’s archive, imports it, and rescans what was scanned', async () => {
    const admin = await adminApiClient(b.server.url);
    await b.client.pushImage('mirrored/app', 'v1', {
      layers: [await layerOf(debian(dpkgEntry('libssl3', 'openssl', '3.0.11-1~deb12u2')))],
    });
    const overview = async () =>
      (
        await admin.call<{ scan_overview?: Record<string, Overview> }>(
          'GET',
          '/projects/mirrored/repositories/app/artifacts/v1?with_scan_overview=true',
        )
      ).body.scan_overview?.[reportType];
    expect((await admin.call('POST', '/projects/mirrored/repositories/app/artifacts/v1/scan')).status).toBe(
      202,
    );
    for (let i = 0; i < 1500 && (await overview())?.scan_status !== 'Success'; i++) await sleep(20);
    expect((await overview())?.summary.total).toBe(0);

    expect((await admin.call('POST', '/vulndb/update')).status).toBe(202);
    let after: Overview | undefined;
    for (let i = 0; i < 1500 && after?.summary.total !== 1; i++) {
      await sleep(20);
      after = await overview();
    }
    expect(after).toMatchObject({ scan_status: 'Success', severity: 'Medium', summary: { total: 1 } });
    expect(requested).toEqual(['/Debian/all.zip', '/npm/all.zip']);
    const info = await admin.call<{ vulnerability_database: { source: string; records: number }[] }>(
      'GET',
      '/systeminfo',
    );
    expect(info.body.vulnerability_database).toEqual([
      expect.objectContaining({ source: 'Debian', records: 1 }),
    ]);
    expect((await admin.anonymous().call('POST', '/vulndb/update')).status).toBe(401);
  });
});

describe('the admission webhook without a registry host configured', () => {
  const b = useBackend('sqlite', 'filesystem', {}, ['closed']);

  it('refuses to judge (503 naming the setting) instead of admitting every image', async () => {
    const admin = await adminApiClient(b.server.url);
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u1',
        object: { spec: { containers: [{ name: 'app', image: 'registry.example.com/closed/app:v1' }] } },
      },
    };
    const res = await admin.call<{ errors: { code: string; message: string }[] }>(
      'POST',
      '/admission',
      review,
    );
    expect(res.status).toBe(503);
    expect(res.body.errors[0]?.code).toBe('SERVICE_UNAVAILABLE');
    expect(res.body.errors[0]?.message).toContain('admission.registryHosts');
    expect(res.body.errors[0]?.message).toContain('externalUrl');
  });
});
