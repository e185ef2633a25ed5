import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Action, SecurityContext, SystemResource } from '../auth/index.js';
import type { DomainEvent, EventSink } from '../domain/events.js';
import { BerthError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    security: SecurityContext;
  }
}

export function requireAuthenticated(request: FastifyRequest): void {
  if (!request.security.isAuthenticated) throw new BerthError('UNAUTHORIZED', 'authentication is required');
}

/** The calling user's id; robot accounts are refused (they act only within their permissions). */
export function requireUser(request: FastifyRequest): number {
  requireAuthenticated(request);
  const principal = request.security.principal;
  if (principal?.kind !== 'user') throw new BerthError('FORBIDDEN', 'robot accounts may not do this');
  return principal.id;
}

export function requireSysAdmin(request: FastifyRequest): void {
  requireAuthenticated(request);
  if (!request.security.isSysAdmin)
    throw new BerthError('FORBIDDEN', 'only system administrators may do this');
}

/**
 * Harbor's RequireSystemAccess: UNAUTHORIZED for anonymous callers; FORBIDDEN unless the caller may
 * do `action` on the system resource (administrators, and system robots holding that permission).
 */
export function requireSystemAccess(request: FastifyRequest, resource: SystemResource, action: Action): void {
  requireAuthenticated(request);
  if (!request.security.canSystem(resource, action))
    throw new BerthError('FORBIDDEN', `${request.security.username} may not ${action} ${resource}`);
}

export const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** A bodiless answer (Harbor answers 201 and most 200s of writes with no body). */
export function empty(reply: FastifyReply, status: number, location?: string): FastifyReply {
  if (location) reply.header('Location', location);
  return reply.code(status).send();
}

/** Schema of a bodiless answer, for the OpenAPI document. */
export const noContent = (description: string) => ({ type: 'null', description }) as const;

/** Reports a successful change made through the API to the event bus, as the calling user or robot. */
export function report(
  events: EventSink,
  request: FastifyRequest,
  event: Omit<DomainEvent, 'operator' | 'success' | 'time'>,
): void {
  events({ ...event, operator: request.security.username, success: true, time: Date.now() });
}
