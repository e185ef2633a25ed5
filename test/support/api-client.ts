import { type HarborFinding, HarborSwaggerValidator } from './harbor-swagger.js';
import { OpenApiValidator } from './openapi.js';
import { testAdminPassword } from './server.js';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/**
 * A client for /api/v2.0 that checks every answer against the server's OpenAPI document and, for the
 * operations Harbor defines, against Harbor's swagger (see harbor-swagger.ts: a finding the allow-list
 * does not excuse fails the call; BERTH_HARBOR_FINDINGS=<file> collects them instead).
 */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly validator: OpenApiValidator,
    private readonly credentials?: { username: string; password: string },
    readonly harbor: HarborSwaggerValidator = HarborSwaggerValidator.shared(),
  ) {}

  as(username: string, password: string): ApiClient {
    return new ApiClient(this.base, this.validator, { username, password }, this.harbor);
  }

  anonymous(): ApiClient {
    return new ApiClient(this.base, this.validator, undefined, this.harbor);
  }

  /** What Harbor's swagger found so far (excused findings included), shared with as() and anonymous(). */
  get harborFindings(): readonly HarborFinding[] {
    return this.harbor.findings;
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const auth: Record<string, string> = this.credentials
      ? {
          Authorization: `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`,
        }
      : {};
    const res = await fetch(`${this.base}/api/v2.0${path}`, {
      method,
      headers: {
        ...auth,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      } as Record<string, string>,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // JSON answers are parsed; a text one (GET /ping) is its text.
    const json = /json/.test(res.headers.get('content-type') ?? 'application/json');
    const parsed = text === '' ? undefined : ((json ? JSON.parse(text) : text) as T);
    if (method !== 'HEAD') this.validator.check(method, `/api/v2.0${path}`, res.status, parsed);
    this.harbor.check(method, `/api/v2.0${path}`, res.status, parsed, res.headers);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
}

export function errorOf(response: ApiResponse): { code: string; message: string } | undefined {
  return (response.body as { errors?: { code: string; message: string }[] } | undefined)?.errors?.[0];
}

/** An API client signed in as the administrator, checking answers against the server's own OpenAPI document. */
export async function adminApiClient(base: string): Promise<ApiClient> {
  const document = (await (await fetch(`${base}/api/v2.0/openapi.json`)).json()) as ConstructorParameters<
    typeof OpenApiValidator
  >[0];
  return new ApiClient(base, new OpenApiValidator(document), {
    username: 'admin',
    password: testAdminPassword,
  });
}
