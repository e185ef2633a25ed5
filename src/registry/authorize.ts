import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, CredentialVersions, RegistryAccess, TokenService } from '../auth/index.js';
import { covers, formatScope, type Scope } from '../auth/index.js';
import { projectNameOf } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';

export interface RegistryAuthDeps {
  readonly authenticator: Authenticator;
  readonly tokens: TokenService;
  /** Whether a token's subject still holds the credentials it was issued for. */
  readonly credentials: CredentialVersions;
  readonly access: RegistryAccess;
  /** The `service` of the token challenge and the audience of tokens. */
  readonly service: string;
  /** The configured external URL, if any; otherwise the request's own. */
  readonly externalUrl: string | undefined;
}

/** What a /v2 request needs: any valid credentials (`GET /v2/`), or these scopes. */
export type Requirement = 'authenticated' | readonly Scope[];

function challenge(
  deps: RegistryAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  scopes: readonly Scope[],
  message: string,
): BerthError {
  const base = deps.externalUrl || `${request.protocol}://${request.host}`;
  const scope = scopes.length > 0 ? `,scope="${scopes.map(formatScope).join(' ')}"` : '';
  reply.header('WWW-Authenticate', `Bearer realm="${base}/service/token",service="${deps.service}"${scope}`);
  return new BerthError('UNAUTHORIZED', message);
}

/**
 * Lets the request through, answering who the caller is (for the audit log), or throws: 401 with a Bearer challenge (naming the scope) for anonymous
 * callers and insufficient tokens, 403 DENIED for authenticated users without the permission. The
 * answer is the same whether or not the project exists.
 */
export async function authorize(
  deps: RegistryAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  needs: Requirement,
): Promise<string> {
  const scopes = needs === 'authenticated' ? [] : needs;
  const header = request.headers.authorization;
  if (header && /^bearer /i.test(header)) {
    const token = await deps.tokens.verify(header.slice(7).trim(), deps.service);
    if (!token || token.refresh)
      throw challenge(deps, request, reply, scopes, 'the bearer token is invalid or has expired');
    if (!(await deps.credentials.current(token)))
      throw challenge(deps, request, reply, scopes, 'the bearer token was revoked: its account changed');
    const missing = scopes.find((s) => s.actions.some((a) => !covers(token.access, s.type, s.name, a)));
    if (missing)
      throw challenge(deps, request, reply, scopes, `the token does not grant ${formatScope(missing)}`);
    return token.subject || 'anonymous';
  }
  let context: Awaited<ReturnType<Authenticator['authenticate']>>;
  try {
    context = await deps.authenticator.authenticate(header, request.ip);
  } catch (error) {
    if (error instanceof BerthError && error.code === 'UNAUTHORIZED')
      throw challenge(deps, request, reply, scopes, error.message);
    throw error;
  }
  if (needs === 'authenticated') {
    if (!context.isAuthenticated) throw challenge(deps, request, reply, [], 'authentication required');
    return context.username;
  }
  const granted = await deps.access.grant(context, scopes);
  const missing = scopes.find((s) => s.actions.some((a) => !covers(granted, s.type, s.name, a)));
  if (!missing) return context.username;
  if (!context.isAuthenticated) throw challenge(deps, request, reply, scopes, 'authentication required');
  if (context.isSysAdmin && missing.type === 'repository') {
    throw new BerthError(
      'NAME_UNKNOWN',
      `project ${projectNameOf(missing.name)} does not exist; create it before pushing`,
    );
  }
  throw new BerthError('DENIED', `requested access to ${formatScope(missing)} is denied`);
}

/** Whether the caller may pull from a repository (for cross-repository mounts), without throwing. */
export async function mayPull(
  deps: RegistryAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  repository: string,
): Promise<boolean> {
  try {
    await authorize(deps, request, reply, [{ type: 'repository', name: repository, actions: ['pull'] }]);
    return true;
  } catch {
    reply.removeHeader('WWW-Authenticate');
    return false;
  }
}
