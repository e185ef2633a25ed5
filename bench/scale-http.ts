/** The scale phase's HTTP client and registry tokens. */
import http from 'node:http';
import { requestTimeoutMs } from './scale-shape.js';

// ---------------------------------------------------------------------------------------------------
// HTTP: keep-alive connections, a body read whole, a hard timeout.

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** From sending the request to the last byte of the answer. */
  readonly ms: number;
}

interface Send {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly base: string) {}

  send(method: string, target: string, init: Send = {}): Promise<Answer> {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(`${this.base}${target}`, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          });
        });
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${requestTimeoutMs / 1000} s`)),
        requestTimeoutMs,
      );
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(init.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status)
    throw new Error(`${what} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`);
}

export const json = <T>(answer: Answer): T => JSON.parse(answer.body.toString()) as T;

interface HeldToken {
  readonly token: string;
  readonly renewAt: number;
}

/** Registry tokens from /service/token with the admin's Basic credentials, one per scope set, renewed before they expire. */
export class RegistryTokens {
  private readonly cache = new Map<string, Promise<HeldToken>>();

  constructor(
    private readonly client: Client,
    private readonly basic: string,
    private readonly service: string,
  ) {}

  static async discover(client: Client, basic: string): Promise<RegistryTokens> {
    const challenge = (await client.send('GET', '/v2/')).headers['www-authenticate'] ?? '';
    const service = /service="([^"]*)"/.exec(challenge)?.[1];
    if (!service) throw new Error(`GET /v2/ gave no Bearer challenge (${challenge})`);
    return new RegistryTokens(client, basic, service);
  }

  /** `Bearer <token>` covering the scopes (`repository:<name>:pull,push`, `registry:catalog:*`). */
  async header(scopes: readonly string[]): Promise<string> {
    const key = scopes.join(' ');
    const cached = this.cache.get(key);
    const held = cached && (await cached);
    if (held && held.renewAt > Date.now()) return `Bearer ${held.token}`;
    // Concurrent callers share one renewal.
    if (this.cache.get(key) === cached) this.cache.set(key, this.issue(key, scopes));
    return `Bearer ${(await this.cache.get(key))?.token}`;
  }

  forget(scopes: readonly string[]): void {
    this.cache.delete(scopes.join(' '));
  }

  private issue(key: string, scopes: readonly string[]): Promise<HeldToken> {
    const query = [`service=${encodeURIComponent(this.service)}`]
      .concat(scopes.map((s) => `scope=${encodeURIComponent(s)}`))
      .join('&');
    const pending = this.client
      .send('GET', `/service/token?${query}`, { headers: { Authorization: this.basic } })
      .then((answer) => {
        expectStatus(answer, 200, 'the token service');
        const { token, expires_in } = json<{ token: string; expires_in: number }>(answer);
        return { token, renewAt: Date.now() + Math.max(10, expires_in - 30) * 1000 };
      });
    pending.catch(() => {
      if (this.cache.get(key) === pending) this.cache.delete(key);
    });
    return pending;
  }
}
