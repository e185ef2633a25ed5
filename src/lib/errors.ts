/**
 * The closed set of error codes that services throw. Each surface (the OCI registry, the management
 * API) owns one table that turns a code into its protocol's status and body; services never deal in
 * HTTP statuses.
 */
export const errorCodes = [
  // OCI Distribution codes, used as they are by the registry surface.
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  // Finer codes that a surface maps onto one of the above with a more precise status.
  'RANGE_INVALID',
  'PAYLOAD_TOO_LARGE',
  'REFERENCED',
  'ENDPOINT_UNKNOWN',
  'METHOD_UNKNOWN',
  'PAGINATION_INVALID',
  'TAG_INVALID',
  // Management codes (Harbor's API surface), which the registry surface also maps.
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'PRECONDITION_FAILED',
  /** A service Berth depends on (a scanner adapter) failed or could not be reached. */
  'UPSTREAM_FAILED',
  /** A feature that cannot work without a setting the configuration lacks (the message names it). */
  'NOT_CONFIGURED',
  /** A write while the registry is in read-only mode (Harbor's 403 DENIED on every surface). */
  'READ_ONLY',
  /** A push that would take a project over its storage quota (Harbor's 403 DENIED). */
  'QUOTA_EXCEEDED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class BerthError extends Error {
  override readonly name = 'BerthError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isBerthError(error: unknown): error is BerthError {
  return error instanceof BerthError;
}
