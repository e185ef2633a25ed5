import type { FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../lib/errors.js';

export function query(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

export function contentLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
}

/** Whether the request carries a body at all (a Content-Length above zero, or chunked transfer). */
export function hasBody(request: FastifyRequest): boolean {
  const length = contentLength(request);
  return length === undefined ? request.headers['transfer-encoding'] !== undefined : length > 0;
}

/** `Content-Range: <start>-<end>` as the spec writes it (a `bytes ` prefix and `/total` suffix are tolerated). */
export function contentRange(request: FastifyRequest): { start: number; end: number } | undefined {
  const raw = request.headers['content-range'];
  if (raw === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(raw.trim());
  if (!match) throw new BerthError('RANGE_INVALID', `invalid Content-Range "${raw.slice(0, 60)}"`);
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new BerthError('RANGE_INVALID', `invalid Content-Range "${raw.slice(0, 60)}"`);
  return { start, end };
}

export type ByteRangeRequest = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * One `Range: bytes=…` range against a blob of `size` bytes. As RFC 9110 says, a header that cannot be
 * parsed, uses another unit or asks for several ranges is ignored (the whole blob is served); a
 * well-formed range that starts past the end is unsatisfiable (416).
 */
export function requestedRange(request: FastifyRequest, size: number): ByteRangeRequest {
  const raw = request.headers.range;
  if (raw === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(raw.trim());
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** The `Range` header of an upload: the inclusive range of bytes received so far. */
export function uploadRange(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

export function linkHeader(reply: FastifyReply, path: string, n: number, next: string | undefined): void {
  if (next === undefined) return;
  reply.header('Link', `<${path}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`);
}
