import type { ParsedDigest } from '../lib/digest.js';

/**
 * The storage layout, in one place:
 *   blobs/<algorithm>/<first two hex>/<hex>   verified, content-addressed blob data (stored once)
 *   uploads/<upload id>/<segment id>          bytes of an upload in progress, one object per chunk
 * Repository links, tags, manifests and upload state live in the database.
 */
export const blobKey = (digest: ParsedDigest): string =>
  `blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;

export const blobsRoot = 'blobs/';

/** The digest a key under blobs/ holds, or undefined for any other key. */
export function digestOfBlobKey(key: string): string | undefined {
  const match = /^blobs\/(sha256|sha384|sha512)\/([0-9a-f]{2})\/([0-9a-f]{64,128})$/.exec(key);
  return match?.[3]?.startsWith(match[2] as string) ? `${match[1]}:${match[3]}` : undefined;
}

export const uploadPrefix = (uploadId: string): string => `uploads/${uploadId}/`;

export const uploadSegmentKey = (uploadId: string, segmentId: string): string =>
  `${uploadPrefix(uploadId)}${segmentId}`;

export const uploadsRoot = 'uploads/';
