import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the adapter did with one scan request: how it pulled and what it found. */
export interface AdapterScan {
  readonly id: string;
  readonly request: {
    registry: { url: string; authorization: string };
    artifact: { repository: string; digest: string; mime_type: string };
  };
  /**
   * The statuses of the adapter's own registry requests (a manifest, then each layer), and whether
   * the authorization it was given served as it was or had to be exchanged for a token first.
   */
  readonly pulls: { path: string; status: number; via: 'given' | 'token' }[];
  vulnerabilities?: Record<string, unknown>[];
  error?: string;
  polls: number;
}

export interface AdapterOptions {
  /** What the adapter asks registries for (`harbor.scanner-adapter/registry-authorization-type`). */
  readonly registryAuthorization: 'Bearer' | 'Basic';
  /** The X-ScannerAdapter-API-Key the adapter requires from Berth. */
  readonly apiKey: string;
  /** How many report polls answer 302 before the report is ready. */
  readonly notReadyPolls: number;
}

const reportType = 'application/vnd.security.vulnerability.report; version=1.1';

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A small scanner adapter speaking Harbor's Pluggable Scanner API v1.1 on loopback, for tests. It
 * really pulls what it is asked to scan from the registry URL it is given, with the authorization it
 * is given (as it is; Basic credentials the registry refuses with a 401 challenge are exchanged at its
 * token service), checks each layer's digest, and reports one finding per layer.
 */
export class LoopbackAdapter {
  readonly scans = new Map<string, AdapterScan>();
  /** Every request Berth made, with whether it carried the right API key. */
  readonly calls: { method: string; path: string; authorized: boolean; accept?: string }[] = [];
  private server: Server | undefined;
  url = '';
  /** Makes the next reports fail with 500. */
  failReports = false;

  constructor(readonly options: AdapterOptions) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(
        ({ status, body, headers }) => {
          response.writeHead(status, headers);
          response.end(body === undefined ? undefined : JSON.stringify(body));
        },
        (error: unknown) => {
          response.writeHead(500, {
            'content-type': 'application/vnd.scanner.adapter.error+json; version=1.0',
          });
          response.end(JSON.stringify({ error: { message: String(error) } }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(
    request: IncomingMessage,
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const path = request.url ?? '';
    const authorized = request.headers['x-scanneradapter-api-key'] === this.options.apiKey;
    this.calls.push({
      method: request.method ?? '',
      path,
      authorized,
      ...(request.headers.accept ? { accept: request.headers.accept } : {}),
    });
    if (!authorized) return { status: 401, body: { error: { message: 'missing or wrong API key' } } };
    const json = { 'content-type': 'application/json' };
    if (request.method === 'GET' && path === '/api/v1/metadata') {
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.scanner.adapter.metadata+json; version=1.1' },
        body: {
          scanner: { name: 'Loopback', vendor: 'Berth tests', version: '0.1.0' },
          capabilities: [
            {
              type: 'vulnerability',
              consumes_mime_types: [
                'application/vnd.oci.image.manifest.v1+json',
                'application/vnd.docker.distribution.manifest.v2+json',
              ],
              produces_mime_types: [reportType],
            },
          ],
          properties: {
            'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
            'harbor.scanner-adapter/registry-authorization-type': this.options.registryAuthorization,
          },
        },
      };
    }
    if (request.method === 'POST' && path === '/api/v1/scan') {
      if (
        !String(request.headers['content-type']).startsWith(
          'application/vnd.scanner.adapter.scan.request+json',
        )
      )
        return { status: 400, headers: json, body: { error: { message: 'wrong content type' } } };
      const scan: AdapterScan = {
        id: randomUUID(),
        request: JSON.parse(await bodyOf(request)) as AdapterScan['request'],
        pulls: [],
        polls: 0,
      };
      this.scans.set(scan.id, scan);
      void this.scan(scan).catch((error: unknown) => {
        scan.error = String(error);
      });
      return {
        status: 202,
        headers: { 'content-type': 'application/vnd.scanner.adapter.scan.response+json; version=1.0' },
        body: { id: scan.id },
      };
    }
    const report = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(path);
    if (request.method === 'GET' && report) {
      const scan = this.scans.get(decodeURIComponent(report[1] as string));
      if (!scan) return { status: 404 };
      scan.polls++;
      if (this.failReports)
        return { status: 500, headers: json, body: { error: { message: 'the scanner crashed' } } };
      if (scan.error) return { status: 500, headers: json, body: { error: { message: scan.error } } };
      if (!scan.vulnerabilities || scan.polls <= this.options.notReadyPolls)
        return { status: 302, headers: { 'refresh-after': '1' } };
      return {
        status: 200,
        headers: { 'content-type': reportType },
        body: {
          generated_at: new Date().toISOString(),
          artifact: scan.request.artifact,
          scanner: { name: 'Loopback', vendor: 'Berth tests', version: '0.1.0' },
          severity: 'High',
          vulnerabilities: scan.vulnerabilities,
        },
      };
    }
    return { status: 404 };
  }

  /** Pulls the image as a registry client would and reports a finding per layer. */
  private async scan(scan: AdapterScan): Promise<void> {
    const { registry, artifact } = scan.request;
    let authorization = registry.authorization;
    let via: 'given' | 'token' = 'given';
    const get = async (path: string, accept?: string): Promise<Response> => {
      const headers: Record<string, string> = { authorization, ...(accept ? { accept } : {}) };
      let res = await fetch(`${registry.url}${path}`, { headers });
      if (res.status === 401 && authorization.startsWith('Basic ')) {
        // The Docker token flow: the challenge names the realm, service and scope.
        const challenge = res.headers.get('www-authenticate') ?? '';
        const param = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
        const tokenUrl = `${param('realm')}?service=${encodeURIComponent(param('service'))}&scope=${encodeURIComponent(param('scope'))}`;
        const token = (await (await fetch(tokenUrl, { headers: { authorization } })).json()) as {
          token: string;
        };
        authorization = `Bearer ${token.token}`;
        via = 'token';
        res = await fetch(`${registry.url}${path}`, { headers: { ...headers, authorization } });
      }
      scan.pulls.push({ path, status: res.status, via });
      return res;
    };
    const manifestRes = await get(
      `/v2/${artifact.repository}/manifests/${artifact.digest}`,
      artifact.mime_type,
    );
    if (manifestRes.status !== 200) throw new Error(`pulling the manifest answered ${manifestRes.status}`);
    const manifest = (await manifestRes.json()) as { layers: { digest: string }[] };
    const vulnerabilities: Record<string, unknown>[] = [];
    for (const [index, layer] of manifest.layers.entries()) {
      const blob = await get(`/v2/${artifact.repository}/blobs/${layer.digest}`);
      const bytes = Buffer.from(await blob.arrayBuffer());
      if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== layer.digest)
        throw new Error(`layer ${layer.digest} did not match its digest`);
      vulnerabilities.push(
        {
          id: `CVE-2099-${layer.digest.slice(7, 11)}`,
          package: `package-${index}`,
          version: '1.0.0',
          fix_version: '1.0.1',
          severity: 'High',
          description: 'found by the loopback adapter',
          links: ['https://example.com/advisory'],
          layer: { digest: layer.digest, diff_id: '' },
          preferred_cvss: { score_v3: 7.5, vector_v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' },
          cwe_ids: ['CWE-79'],
          vendor_attributes: { adapter: 'loopback' },
        },
        {
          id: `CVE-2098-${layer.digest.slice(7, 11)}`,
          package: `package-${index}`,
          version: '1.0.0',
          severity: 'Negligible',
        },
      );
    }
    scan.vulnerabilities = vulnerabilities;
  }
}
