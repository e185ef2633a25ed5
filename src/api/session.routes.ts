import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.js';
import { type ActiveSession, csrfMatches, type SessionService } from '../domain/session/index.js';
import { BerthError } from '../lib/errors.js';
import { readForm } from '../lib/streams.js';
import { empty } from './context.js';
import { apiErrorHandler } from './errors.js';

export interface SessionRoutesDeps {
  readonly authenticator: Authenticator;
  readonly sessions: SessionService;
}

/** The session cookie (HttpOnly) and the CSRF cookie the portal's script reads and echoes, as Harbor names them. */
export const sessionCookie = 'sid';
export const csrfCookie = '__csrf';
export const csrfHeader = 'x-harbor-csrf-token';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Harbor's sign-in form (the portal posts it form-encoded; JSON works too). */
const LoginForm = Type.Object(
  {
    principal: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: true },
);

/**
 * The portal session behind a request, if it brings one: `Authorization: Bearer <session token>`, or
 * the session cookie when there is no Authorization header. A cookie-borne session must echo its
 * CSRF token in X-Harbor-CSRF-Token on every unsafe request; a bearer token needs none (a browser
 * never sends it by itself). An unknown or ended cookie counts as no session; an unknown bearer
 * token is UNAUTHORIZED.
 */
export async function sessionOf(
  sessions: SessionService,
  request: FastifyRequest,
): Promise<ActiveSession | undefined> {
  const authorization = request.headers.authorization;
  if (authorization && /^bearer /i.test(authorization)) {
    const session = await sessions.resolve(authorization.slice(7).trim());
    if (!session) throw new BerthError('UNAUTHORIZED', 'the session has ended; sign in again');
    return session;
  }
  const token = authorization ? undefined : request.cookies[sessionCookie];
  if (!token) return undefined;
  const session = await sessions.resolve(token);
  if (!session) return undefined;
  if (unsafeMethods.has(request.method)) {
    const presented = request.headers[csrfHeader];
    if (!csrfMatches(typeof presented === 'string' ? presented : undefined, session.csrfToken))
      throw new BerthError('FORBIDDEN', 'CSRF token missing or invalid: send X-Harbor-CSRF-Token');
  }
  return session;
}

function setCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  csrf: string,
  maxAge: number,
) {
  const secure = request.protocol === 'https';
  reply.setCookie(sessionCookie, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge });
  reply.setCookie(csrfCookie, csrf, { path: '/', httpOnly: false, sameSite: 'strict', secure, maxAge });
}

/** Portal sign-in and sign-out, at Harbor's paths: POST /c/login (principal, password), /c/log_out. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesDeps> = async (
  app,
  { authenticator, sessions },
) => {
  app.setErrorHandler(apiErrorHandler);
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, payload, done) => {
    readForm(payload, 16 * 1024).then(
      (fields) => done(null, fields),
      (error: Error) => done(error),
    );
  });

  app.post('/c/login', { schema: { hide: true, body: LoginForm } }, async (request, reply) => {
    const { principal: name, password } = request.body;
    const basic = `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
    const context = await authenticator.authenticate(basic, request.ip);
    const principal = context.principal;
    if (principal?.kind !== 'user')
      throw new BerthError('FORBIDDEN', 'robot accounts cannot sign in to the portal');
    const session = await sessions.create(principal.id);
    const maxAge = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
    setCookies(request, reply, session.token, session.csrfToken, maxAge);
    reply.header('X-Harbor-CSRF-Token', session.csrfToken).header('Cache-Control', 'no-store');
    return reply.code(200).send({ token: session.token, csrf_token: session.csrfToken });
  });

  const logOut = async (request: FastifyRequest, reply: FastifyReply) => {
    const authorization = request.headers.authorization;
    const token =
      authorization && /^bearer /i.test(authorization)
        ? authorization.slice(7).trim()
        : request.cookies[sessionCookie];
    if (token) await sessions.revoke(token);
    reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(csrfCookie, { path: '/' });
    return empty(reply, 200);
  };
  app.get('/c/log_out', { schema: { hide: true } }, logOut);
  app.post('/c/log_out', { schema: { hide: true } }, logOut);
};
