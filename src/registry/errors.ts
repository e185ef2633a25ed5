import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isBerthError } from '../lib/errors.js';

interface Descriptor {
  /** The code in the OCI error body. */
  readonly code: string;
  readonly status: number;
}

/** Every error code as the OCI Distribution API answers it. */
const descriptors: Readonly<Record<ErrorCode, Descriptor>> = {
  BLOB_UNKNOWN: { code: 'BLOB_UNKNOWN', status: 404 },
  BLOB_UPLOAD_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 400 },
  BLOB_UPLOAD_UNKNOWN: { code: 'BLOB_UPLOAD_UNKNOWN', status: 404 },
  DIGEST_INVALID: { code: 'DIGEST_INVALID', status: 400 },
  MANIFEST_BLOB_UNKNOWN: { code: 'MANIFEST_BLOB_UNKNOWN', status: 400 },
  MANIFEST_INVALID: { code: 'MANIFEST_INVALID', status: 400 },
  MANIFEST_UNKNOWN: { code: 'MANIFEST_UNKNOWN', status: 404 },
  NAME_INVALID: { code: 'NAME_INVALID', status: 400 },
  NAME_UNKNOWN: { code: 'NAME_UNKNOWN', status: 404 },
  SIZE_INVALID: { code: 'SIZE_INVALID', status: 400 },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', status: 401 },
  DENIED: { code: 'DENIED', status: 403 },
  UNSUPPORTED: { code: 'UNSUPPORTED', status: 405 },
  TOOMANYREQUESTS: { code: 'TOOMANYREQUESTS', status: 429 },
  RANGE_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 416 },
  PAYLOAD_TOO_LARGE: { code: 'SIZE_INVALID', status: 413 },
  REFERENCED: { code: 'DENIED', status: 409 },
  UPSTREAM_FAILED: { code: 'UNKNOWN', status: 502 },
  NOT_CONFIGURED: { code: 'UNAVAILABLE', status: 503 },
  ENDPOINT_UNKNOWN: { code: 'UNSUPPORTED', status: 404 },
  METHOD_UNKNOWN: { code: 'UNSUPPORTED', status: 405 },
  PAGINATION_INVALID: { code: 'PAGINATION_NUMBER_INVALID', status: 400 },
  TAG_INVALID: { code: 'MANIFEST_INVALID', status: 400 },
  INVALID_INPUT: { code: 'UNSUPPORTED', status: 400 },
  NOT_FOUND: { code: 'NAME_UNKNOWN', status: 404 },
  CONFLICT: { code: 'DENIED', status: 409 },
  FORBIDDEN: { code: 'DENIED', status: 403 },
  PRECONDITION_FAILED: { code: 'DENIED', status: 412 },
  READ_ONLY: { code: 'DENIED', status: 403 },
  QUOTA_EXCEEDED: { code: 'DENIED', status: 403 },
};

export function ociError(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, detail: detail ?? {} }] });
}

/** The registry surface's one error handler: typed errors become OCI error bodies, the rest a bare 500. */
export function registryErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isBerthError(error)) {
    const descriptor = descriptors[error.code];
    const detail = error.detail as { size?: number } | undefined;
    if (error.code === 'RANGE_INVALID' && typeof detail?.size === 'number') {
      reply.header('Range', `0-${Math.max(detail.size - 1, 0)}`);
    }
    const retryAfter = (error.detail as { retryAfter?: unknown } | undefined)?.retryAfter;
    if (typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
    request.log.debug({ code: error.code, msg: error.message }, 'registry request refused');
    reply
      .code(descriptor.status)
      .type('application/json')
      .send(ociError(descriptor.code, error.message, error.detail));
    return;
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors (malformed headers, bodies): say what was wrong, in OCI terms.
    reply.code(error.statusCode).type('application/json').send(ociError('UNSUPPORTED', error.message));
    return;
  }
  request.log.error({ err: error }, 'failed to handle registry request');
  reply.code(500).type('application/json').send(ociError('UNKNOWN', 'internal error; see the server log'));
}
