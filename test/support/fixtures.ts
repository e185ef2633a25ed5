import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => archive.on('end', () => resolve()));
  for (const [name, content] of Object.entries(files)) {
    archive.entry({ name, size: content.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** An OCI image layout holding one multi-platform index (tag `ref`), each platform with its own layer. */
export async function writeMultiArchLayout(
  dir: string,
  ref: string,
  platforms: readonly { os: string; architecture: string }[],
): Promise<{ indexDigest: string; blobs: string[] }> {
  const blobsDir = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const blobs: string[] = [];
  const put = async (mediaType: string, data: Buffer): Promise<Blob> => {
    const hex = sha256(data);
    await writeFile(path.join(blobsDir, hex), data);
    blobs.push(`sha256:${hex}`);
    return { mediaType, digest: `sha256:${hex}`, size: data.length };
  };
  const manifests = [];
  for (const platform of platforms) {
    const tar = await tarOf({
      [`hello-${platform.architecture}.txt`]: Buffer.from(`hello from ${platform.architecture}\n`),
      'data.bin': randomBytes(256 * 1024),
    });
    const layer = await put('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar));
    const config = await put(
      'application/vnd.oci.image.config.v1+json',
      Buffer.from(
        JSON.stringify({
          ...platform,
          created: '2026-01-01T00:00:00Z',
          config: { Cmd: ['/hello'] },
          rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
        }),
      ),
    );
    const manifest = await put(
      'application/vnd.oci.image.manifest.v1+json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [layer],
        }),
      ),
    );
    manifests.push({ ...manifest, platform });
  }
  const index = await put(
    'application/vnd.oci.image.index.v1+json',
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    ),
  );
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': ref } }],
    }),
  );
  return { indexDigest: index.digest, blobs: blobs.sort() };
}
