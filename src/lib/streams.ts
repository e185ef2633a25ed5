import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError } from './errors.js';

/**
 * A pass-through that feeds every chunk to the given hashes, counts bytes, and fails the stream with
 * PAYLOAD_TOO_LARGE once more than `limit` bytes have flowed (Fastify's bodyLimit does not apply to
 * raw streams).
 */
export class MeteredStream extends Transform {
  bytes = 0;
  constructor(
    private readonly hashes: readonly Hash[],
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(new BerthError('PAYLOAD_TOO_LARGE', `body exceeds the limit of ${this.limit} bytes`));
      return;
    }
    for (const hash of this.hashes) hash.update(chunk);
    callback(null, chunk);
  }
}

/** Reads a stream into one buffer, failing with PAYLOAD_TOO_LARGE past `limit` bytes. */
export async function readLimited(source: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buffer.length;
    if (total > limit) throw new BerthError('PAYLOAD_TOO_LARGE', `body exceeds the limit of ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** An `application/x-www-form-urlencoded` body as its fields, read up to `limit` bytes. */
export async function readForm(
  source: NodeJS.ReadableStream,
  limit: number,
): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams((await readLimited(source, limit)).toString('utf8')));
}
