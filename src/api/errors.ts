import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isBerthError } from '../lib/errors.js';

/** Harbor's error codes and statuses for every code a service can throw. */
const harbor: Readonly<Record<ErrorCode, readonly [string, number]>> = {
  INVALID_INPUT: ['BAD_REQUEST', 400],
  UNAUTHORIZED: ['UNAUTHORIZED', 401],
  FORBIDDEN: ['FORBIDDEN', 403],
  DENIED: ['FORBIDDEN', 403],
  NOT_FOUND: ['NOT_FOUND', 404],
  CONFLICT: ['CONFLICT', 409],
  PRECONDITION_FAILED: ['PRECONDITION', 412],
  TOOMANYREQUESTS: ['TOO_MANY_REQUESTS', 429],
  NAME_INVALID: ['BAD_REQUEST', 400],
  DIGEST_INVALID: ['BAD_REQUEST', 400],
  TAG_INVALID: ['BAD_REQUEST', 400],
  MANIFEST_INVALID: ['BAD_REQUEST', 400],
  SIZE_INVALID: ['BAD_REQUEST', 400],
  PAGINATION_INVALID: ['BAD_REQUEST', 400],
  BLOB_UPLOAD_INVALID: ['BAD_REQUEST', 400],
  RANGE_INVALID: ['BAD_REQUEST', 400],
  PAYLOAD_TOO_LARGE: ['BAD_REQUEST', 413],
  MANIFEST_BLOB_UNKNOWN: ['BAD_REQUEST', 400],
  BLOB_UNKNOWN: ['NOT_FOUND', 404],
  BLOB_UPLOAD_UNKNOWN: ['NOT_FOUND', 404],
  MANIFEST_UNKNOWN: ['NOT_FOUND', 404],
  NAME_UNKNOWN: ['NOT_FOUND', 404],
  ENDPOINT_UNKNOWN: ['NOT_FOUND', 404],
  METHOD_UNKNOWN: ['METHOD_NOT_ALLOWED', 405],
  UNSUPPORTED: ['METHOD_NOT_ALLOWED', 405],
  REFERENCED: ['PRECONDITION', 412],
  UPSTREAM_FAILED: ['BAD_GATEWAY', 502],
  NOT_CONFIGURED: ['SERVICE_UNAVAILABLE', 503],
  READ_ONLY: ['DENIED', 403],
  QUOTA_EXCEEDED: ['DENIED', 403],
};

/** A refusal that ends by itself (TOOMANYREQUESTS) says when, in Retry-After. */
export function retryAfter(reply: FastifyReply, error: { detail?: unknown }): void {
  const seconds = (error.detail as { retryAfter?: unknown } | undefined)?.retryAfter;
  if (typeof seconds === 'number') reply.header('Retry-After', String(seconds));
}

export function harborError(code: string, message: string): { errors: { code: string; message: string }[] } {
  return { errors: [{ code, message }] };
}

/** The management API's one error handler: Harbor's `{"errors":[{"code","message"}]}` with its statuses. */
export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isBerthError(error)) {
    const [code, status] = harbor[error.code];
    retryAfter(reply, error);
    reply.code(status).send(harborError(code, error.message));
    return;
  }
  if (error.validation) {
    reply
      .code(400)
      .send(
        harborError(
          'BAD_REQUEST',
          `${error.validationContext ?? 'request'} ${error.message.replace(/^(body|querystring|params|headers)\s*/, '')}`,
        ),
      );
    return;
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    reply.code(error.statusCode).send(harborError('BAD_REQUEST', error.message));
    return;
  }
  request.log.error({ err: error }, 'failed to handle api request');
  reply.code(500).send(harborError('INTERNAL_SERVER_ERROR', 'internal error; see the server log'));
}
