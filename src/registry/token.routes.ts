import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Access, parseScopes, type SecurityContext } from '../auth/index.js';
import type { UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { readForm } from '../lib/streams.js';
import type { RegistryAuthDeps } from './authorize.js';
import { registryErrorHandler } from './errors.js';

export interface TokenRouteDeps {
  readonly auth: RegistryAuthDeps;
  readonly users: UserService;
  readonly refreshTokenDays: number;
}

const many = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The Docker registry token service at /service/token: `GET` with Basic credentials or none (the
 * token spec), and the OAuth2 `POST` forms (`grant_type=password` and `refresh_token`) that `docker
 * login` uses once it holds a refresh token. The token grants only what the caller may do of what
 * was asked.
 */
export async function tokenRoutes(app: FastifyInstance, deps: TokenRouteDeps): Promise<void> {
  app.setErrorHandler(registryErrorHandler);
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, payload, done) => {
    readForm(payload, 64 * 1024).then(
      (fields) => done(null, fields),
      (error: Error) => done(error),
    );
  });

  const respond = async (
    reply: FastifyReply,
    context: SecurityContext,
    scopeValues: string[],
    offline: boolean,
  ) => {
    const granted: Access[] = await deps.auth.access.grant(context, parseScopes(scopeValues));
    const principal = context.principal;
    const subject = principal?.username ?? '';
    // Tokens name the account and its credential version: a later change of it, or another account
    // made under the name, ends them.
    const credential =
      principal && principal.kind !== 'scanner'
        ? { account: principal.id, version: principal.credentialVersion }
        : undefined;
    const issued = await deps.auth.tokens.issue(subject, deps.auth.service, granted, { credential });
    const body: Record<string, unknown> = {
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: issued.issuedAt,
    };
    if (offline && context.isAuthenticated) {
      body.refresh_token = (
        await deps.auth.tokens.issue(subject, deps.auth.service, [], {
          refresh: true,
          expirySeconds: deps.refreshTokenDays * 86_400,
          credential,
        })
      ).token;
    }
    return reply.header('Cache-Control', 'no-store').send(body);
  };

  app.get('/service/token', async (request: FastifyRequest, reply) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const context = await deps.auth.authenticator.authenticate(request.headers.authorization, request.ip);
    return respond(reply, context, many(query.scope), many(query.offline_token)[0] === 'true');
  });

  app.post('/service/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const scopes = many(form.scope);
    const offline = form.access_type === 'offline';
    if (form.grant_type === 'password') {
      if (!form.username || form.password === undefined)
        throw new BerthError('UNAUTHORIZED', 'username and password are required');
      const basic = `Basic ${Buffer.from(`${form.username}:${form.password}`).toString('base64')}`;
      return respond(reply, await deps.auth.authenticator.authenticate(basic, request.ip), scopes, offline);
    }
    if (form.grant_type === 'refresh_token') {
      const refresh = form.refresh_token
        ? await deps.auth.tokens.verify(form.refresh_token, deps.auth.service)
        : undefined;
      // A refresh token speaks for a user as long as the user's credentials have not changed since.
      const user =
        refresh?.refresh && (await deps.auth.credentials.current(refresh))
          ? await deps.users.findByName(refresh.subject)
          : undefined;
      if (!user) throw new BerthError('UNAUTHORIZED', 'the refresh token is invalid, revoked or expired');
      return respond(reply, deps.auth.authenticator.forUser(user), scopes, false);
    }
    throw new BerthError('UNSUPPORTED', 'grant_type must be password or refresh_token');
  });
}
