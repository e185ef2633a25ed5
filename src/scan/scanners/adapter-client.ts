import http from 'node:http';
import https from 'node:https';
import { BerthError } from '../../lib/errors.js';

/** Where an adapter is and how Berth authenticates to it (a registration's connection settings). */
export interface AdapterEndpoint {
  readonly url: string;
  /** '', 'Basic', 'Bearer' or 'X-ScannerAdapter-API-Key'. */
  readonly auth: string;
  readonly accessCredential: string;
  readonly skipCertVerify: boolean;
}

export interface ScannerInfo {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
}

export interface ScannerCapability {
  readonly type?: string;
  readonly consumes_mime_types: string[];
  readonly produces_mime_types: string[];
  readonly additional_attributes?: Record<string, unknown>;
}

/** The adapter's `/api/v1/metadata` answer. */
export interface AdapterMetadata {
  readonly scanner: ScannerInfo;
  readonly capabilities: ScannerCapability[];
  readonly properties?: Record<string, string>;
}

export interface ScanRequest {
  readonly registry: { readonly url: string; readonly authorization: string };
  readonly artifact: {
    readonly repository: string;
    readonly digest: string;
    readonly tag?: string;
    readonly mime_type: string;
  };
  readonly enabled_capabilities?: { type: string; produces_mime_types?: string[] }[];
}

/** One entry of a Harbor vulnerability report as adapters produce it. */
export interface AdapterVulnerability {
  readonly id?: unknown;
  readonly package?: unknown;
  readonly version?: unknown;
  readonly fix_version?: unknown;
  readonly severity?: unknown;
  readonly description?: unknown;
  readonly links?: unknown;
  readonly layer?: unknown;
  readonly preferred_cvss?: unknown;
  readonly cwe_ids?: unknown;
  readonly vendor_attributes?: unknown;
}

export interface AdapterReport {
  readonly generated_at?: string;
  readonly scanner?: ScannerInfo;
  readonly severity?: string;
  readonly vulnerabilities?: AdapterVulnerability[];
}

export type ReportPoll =
  | { readonly ready: true; readonly report: AdapterReport }
  | { readonly ready: false; readonly refreshAfterSeconds: number };

const metadataMediaType = 'application/vnd.scanner.adapter.metadata+json; version=1.1';
const scanRequestMediaType = 'application/vnd.scanner.adapter.scan.request+json; version=1.1';
/** The report types Berth reads, in the order it prefers them. */
export const reportMediaTypes = [
  'application/vnd.security.vulnerability.report; version=1.1',
  'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
] as const;

/** Reports larger than this are refused (a big image's report is a few MiB). */
const maxResponseBytes = 64 << 20;
const defaultTimeoutMs = 30_000;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A client of Harbor's Pluggable Scanner API v1.1 (`/api/v1/metadata`, `/api/v1/scan`,
 * `/api/v1/scan/{id}/report`). Failures are BerthErrors that name the adapter and what it said.
 */
export class AdapterClient {
  async metadata(endpoint: AdapterEndpoint, timeoutMs = defaultTimeoutMs): Promise<AdapterMetadata> {
    const answer = await this.call(
      endpoint,
      'GET',
      '/api/v1/metadata',
      { accept: `${metadataMediaType}, application/vnd.scanner.adapter.metadata+json; version=1.0` },
      undefined,
      timeoutMs,
    );
    if (answer.status !== 200) throw failure(endpoint, 'metadata', answer);
    const metadata = parse(endpoint, answer) as Partial<AdapterMetadata>;
    if (
      typeof metadata.scanner?.name !== 'string' ||
      !Array.isArray(metadata.capabilities) ||
      metadata.capabilities.some(
        (c) => !Array.isArray(c?.consumes_mime_types) || !Array.isArray(c?.produces_mime_types),
      )
    ) {
      throw new BerthError(
        'UPSTREAM_FAILED',
        `the scanner adapter at ${endpoint.url} answered metadata without a scanner name or capabilities`,
      );
    }
    return metadata as AdapterMetadata;
  }

  /** Asks the adapter to scan; answers the scan request id. */
  async scan(endpoint: AdapterEndpoint, request: ScanRequest): Promise<string> {
    const answer = await this.call(
      endpoint,
      'POST',
      '/api/v1/scan',
      {
        'content-type': scanRequestMediaType,
        accept: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
      },
      Buffer.from(JSON.stringify(request)),
    );
    if (answer.status !== 202 && answer.status !== 200) throw failure(endpoint, 'scan', answer);
    const id = (parse(endpoint, answer) as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '')
      throw new BerthError(
        'UPSTREAM_FAILED',
        `the scanner adapter at ${endpoint.url} accepted a scan without an id`,
      );
    return id;
  }

  /** The report, or how long to wait before asking again (302 with Refresh-After). */
  async report(endpoint: AdapterEndpoint, id: string, mediaType: string): Promise<ReportPoll> {
    const answer = await this.call(endpoint, 'GET', `/api/v1/scan/${encodeURIComponent(id)}/report`, {
      accept: mediaType,
    });
    if (answer.status === 302) {
      const seconds = Number.parseInt(String(answer.headers['refresh-after'] ?? ''), 10);
      return { ready: false, refreshAfterSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 5 };
    }
    if (answer.status !== 200) throw failure(endpoint, `report ${id}`, answer);
    const report = parse(endpoint, answer) as AdapterReport;
    if (
      report.vulnerabilities !== undefined &&
      report.vulnerabilities !== null &&
      !Array.isArray(report.vulnerabilities)
    )
      throw new BerthError(
        'UPSTREAM_FAILED',
        `the scanner adapter at ${endpoint.url} sent a report whose vulnerabilities are not a list`,
      );
    return { ready: true, report };
  }

  private call(
    endpoint: AdapterEndpoint,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
    timeoutMs = defaultTimeoutMs,
  ): Promise<Answer> {
    let url: URL;
    try {
      url = new URL(`${endpoint.url.replace(/\/+$/, '')}${path}`);
    } catch {
      return Promise.reject(new BerthError('INVALID_INPUT', `the scanner URL ${endpoint.url} is not a URL`));
    }
    const secure = url.protocol === 'https:';
    const all: Record<string, string> = { ...headers, ...authorization(endpoint) };
    if (body) all['content-length'] = String(body.length);
    return new Promise<Answer>((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        {
          method,
          headers: all,
          timeout: timeoutMs,
          ...(secure && endpoint.skipCertVerify ? { rejectUnauthorized: false } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              response.destroy();
              reject(
                new BerthError(
                  'UPSTREAM_FAILED',
                  `the scanner adapter at ${endpoint.url} sent more than 64 MiB`,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', (error) => reject(unreachable(endpoint, error)));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      request.on('error', (error) => reject(unreachable(endpoint, error)));
      request.end(body);
    });
  }
}

function authorization(endpoint: AdapterEndpoint): Record<string, string> {
  if (!endpoint.accessCredential) return {};
  switch (endpoint.auth) {
    case 'Basic':
      return { authorization: `Basic ${Buffer.from(endpoint.accessCredential).toString('base64')}` };
    case 'Bearer':
      return { authorization: `Bearer ${endpoint.accessCredential}` };
    case 'X-ScannerAdapter-API-Key':
      return { 'x-scanneradapter-api-key': endpoint.accessCredential };
    default:
      return {};
  }
}

function unreachable(endpoint: AdapterEndpoint, error: Error): BerthError {
  return new BerthError(
    'UPSTREAM_FAILED',
    `the scanner adapter at ${endpoint.url} is unreachable: ${error.message}`,
  );
}

function parse(endpoint: AdapterEndpoint, answer: Answer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new BerthError(
      'UPSTREAM_FAILED',
      `the scanner adapter at ${endpoint.url} answered ${answer.status} with a body that is not JSON`,
    );
  }
}

/** The adapter's error (`{"error":{"message"}}`) or its status, in words. */
function failure(endpoint: AdapterEndpoint, what: string, answer: Answer): BerthError {
  let message = '';
  try {
    const body = JSON.parse(answer.body.toString('utf8')) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') message = `: ${body.error.message.slice(0, 500)}`;
  } catch {
    // not JSON: the status says it
  }
  return new BerthError(
    'UPSTREAM_FAILED',
    `the scanner adapter at ${endpoint.url} answered ${what} with ${answer.status}${message}`,
  );
}
