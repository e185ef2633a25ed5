import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Deterministic benchmark images as OCI layouts. Layers are gzip streams of stored (uncompressed)
 * deflate blocks of pseudo-random bytes, so no client recompresses them and push measures the registry.
 */

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function prng(seed: string): (size: number) => Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (size) => cipher.update(Buffer.alloc(size));
}

/** A gzip member of `size` random bytes stored at level 0, streamed to a file; returns digest and size. */
async function writeStoredGzip(
  file: string,
  size: number,
  seed: string,
): Promise<{ digest: string; size: number; diffId: string }> {
  const random = prng(seed);
  const out = createWriteStream(file);
  const gz = createHash('sha256');
  const raw = createHash('sha256');
  let crc = 0;
  let bytes = 0;
  const write = async (chunk: Buffer) => {
    gz.update(chunk);
    bytes += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  await write(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]));
  const block = 4 * 1024 * 1024;
  for (let done = 0; done < size; ) {
    const chunk = random(Math.min(block, size - done));
    done += chunk.length;
    raw.update(chunk);
    crc = crc32(chunk, crc);
    // deflateRaw at level 0 emits stored blocks; strip its final block marker except for the last chunk.
    const deflated = deflateRawSync(chunk, { level: 0 });
    await write(done < size ? storedWithoutFinal(deflated) : deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  await write(trailer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { digest: `sha256:${gz.digest('hex')}`, size: bytes, diffId: `sha256:${raw.digest('hex')}` };
}

/** Clears the BFINAL bit of every stored block (each starts with a header byte 0 or 1 followed by LEN/NLEN). */
function storedWithoutFinal(deflated: Buffer): Buffer {
  const copy = Buffer.from(deflated);
  for (let offset = 0; offset < copy.length; ) {
    copy[offset] = 0;
    const len = copy.readUInt16LE(offset + 1);
    offset += 5 + len;
  }
  return copy;
}

/**
 * Completes an OCI layout whose layer blobs are in place: writes the config (amd64 linux, these
 * diff ids), the image manifest, `oci-layout` and an `index.json` tagging it `latest`. Returns the
 * manifest's bytes.
 */
export async function writeImageLayout(
  dir: string,
  layers: readonly { mediaType: string; digest: string; size: number }[],
  diffIds: readonly string[],
): Promise<Buffer> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }),
  );
  await writeFile(path.join(blobs, sha256(config)), config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha256(config)}`,
        size: config.length,
      },
      layers,
    }),
  );
  await writeFile(path.join(blobs, sha256(manifest)), manifest);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha256(manifest)}`,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  return manifest;
}

export interface BenchImage {
  readonly dir: string;
  readonly manifest: string;
  readonly manifestBody: Buffer;
  readonly layers: { digest: string; size: number }[];
  readonly bytes: number;
}

/** An OCI layout of stored-gzip random layers of these sizes, generated once into `dir` (deterministic by seed). */
export async function layout(dir: string, layerSizes: number[], seed: string): Promise<BenchImage> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  const marker = path.join(dir, 'bench-image.json');
  if (existsSync(marker))
    return JSON.parse(await readFile(marker, 'utf8'), (k, v) =>
      k === 'manifestBody' ? Buffer.from(v, 'base64') : v,
    );
  await mkdir(blobs, { recursive: true });
  const layers = [];
  const diffIds = [];
  for (const [i, size] of layerSizes.entries()) {
    const tmp = path.join(blobs, `tmp-${i}`);
    const layer = await writeStoredGzip(tmp, size, `${seed}-${i}`);
    await rename(tmp, path.join(blobs, layer.digest.slice(7)));
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: layer.digest,
      size: layer.size,
    });
    diffIds.push(layer.diffId);
  }
  const manifestBody = await writeImageLayout(dir, layers, diffIds);
  const image: BenchImage = {
    dir,
    manifest: `sha256:${sha256(manifestBody)}`,
    manifestBody,
    layers: layers.map(({ digest, size }) => ({ digest, size })),
    bytes: layers.reduce((sum, l) => sum + l.size, 0),
  };
  await writeFile(marker, JSON.stringify({ ...image, manifestBody: manifestBody.toString('base64') }));
  return image;
}

export async function benchImages(cache: string, hugeMiB: number) {
  return {
    large: await layout(path.join(cache, 'large'), [256 * 1024 * 1024], 'large'),
    small: await layout(
      path.join(cache, 'small'),
      Array.from({ length: 50 }, () => 64 * 1024),
      'small',
    ),
    tiny: await layout(path.join(cache, 'tiny'), [1024], 'tiny'),
    huge: await layout(path.join(cache, `huge-${hugeMiB}`), [hugeMiB * 1024 * 1024], 'huge'),
  };
}
