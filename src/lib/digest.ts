import { createHash, type Hash } from 'node:crypto';
import { BerthError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const encodedLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const digestPattern = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  readonly digest: string;
}

/** Parses `algorithm:hex`; throws DIGEST_INVALID for a malformed digest or an algorithm Berth does not verify. */
export function parseDigest(value: string): ParsedDigest {
  const match = digestPattern.exec(value);
  if (!match) throw new BerthError('DIGEST_INVALID', `invalid digest "${truncate(value)}"`);
  const algorithm = match[1] as string;
  const hex = match[2] as string;
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new BerthError('DIGEST_INVALID', `unsupported digest algorithm "${truncate(algorithm)}"`);
  }
  if (hex.length !== encodedLength[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new BerthError('DIGEST_INVALID', `invalid ${algorithm} digest "${truncate(value)}"`);
  }
  return { algorithm, hex, digest: value };
}

export function isDigest(value: string): boolean {
  return value.includes(':');
}

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(algorithm: DigestAlgorithm, data: Buffer | string): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
