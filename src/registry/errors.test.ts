import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { BerthError, errorCodes } from '../lib/errors.js';
import { registryErrorHandler } from './errors.js';

const expected: Record<string, [string, number]> = {
  BLOB_UNKNOWN: ['BLOB_UNKNOWN', 404],
  BLOB_UPLOAD_INVALID: ['BLOB_UPLOAD_INVALID', 400],
  BLOB_UPLOAD_UNKNOWN: ['BLOB_UPLOAD_UNKNOWN', 404],
  DIGEST_INVALID: ['DIGEST_INVALID', 400],
  MANIFEST_BLOB_UNKNOWN: ['MANIFEST_BLOB_UNKNOWN', 400],
  MANIFEST_INVALID: ['MANIFEST_INVALID', 400],
  MANIFEST_UNKNOWN: ['MANIFEST_UNKNOWN', 404],
  NAME_INVALID: ['NAME_INVALID', 400],
  NAME_UNKNOWN: ['NAME_UNKNOWN', 404],
  SIZE_INVALID: ['SIZE_INVALID', 400],
  UNAUTHORIZED: ['UNAUTHORIZED', 401],
  DENIED: ['DENIED', 403],
  UNSUPPORTED: ['UNSUPPORTED', 405],
  TOOMANYREQUESTS: ['TOOMANYREQUESTS', 429],
  RANGE_INVALID: ['BLOB_UPLOAD_INVALID', 416],
  PAYLOAD_TOO_LARGE: ['SIZE_INVALID', 413],
  REFERENCED: ['DENIED', 409],
  ENDPOINT_UNKNOWN: ['UNSUPPORTED', 404],
  METHOD_UNKNOWN: ['UNSUPPORTED', 405],
  PAGINATION_INVALID: ['PAGINATION_NUMBER_INVALID', 400],
  TAG_INVALID: ['MANIFEST_INVALID', 400],
  INVALID_INPUT: ['UNSUPPORTED', 400],
  NOT_FOUND: ['NAME_UNKNOWN', 404],
  CONFLICT: ['DENIED', 409],
  FORBIDDEN: ['DENIED', 403],
  PRECONDITION_FAILED: ['DENIED', 412],
  UPSTREAM_FAILED: ['UNKNOWN', 502],
  NOT_CONFIGURED: ['UNAVAILABLE', 503],
  READ_ONLY: ['DENIED', 403],
  QUOTA_EXCEEDED: ['DENIED', 403],
};

describe('the OCI error surface', () => {
  const app = Fastify();
  app.setErrorHandler(registryErrorHandler);
  app.get('/throw/:code', async (request) => {
    const { code } = request.params as { code: (typeof errorCodes)[number] };
    throw new BerthError(code, `failure ${code}`, { digest: 'sha256:x' });
  });
  app.get('/crash', async () => {
    throw new Error('secret internal detail at /etc/berth');
  });

  it.each(errorCodes)('answers %s with the spec code, status and JSON shape', async (code) => {
    const res = await app.inject(`/throw/${code}`);
    const [ociCode, status] = expected[code] as [string, number];
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      errors: [{ code: ociCode, message: `failure ${code}`, detail: { digest: 'sha256:x' } }],
    });
  });

  it('answers an unexpected failure with 500 and no internals', async () => {
    const res = await app.inject('/crash');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(res.json().errors[0].code).toBe('UNKNOWN');
  });
});
