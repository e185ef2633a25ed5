import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { writeImageLayout } from './images.js';
import { exec } from './processes.js';

export interface ScanFigure {
  readonly image: string;
  readonly sizeMiB: number;
  readonly layers: number;
  readonly ms: number;
  readonly packages: number;
  readonly findings: number;
  readonly peakRssMiB: number;
}

/**
 * A deterministic image of `layers` gzip layers totalling about `totalMiB` (pseudo-random payload, so
 * gzip cannot shrink it), with a Debian root (os-release, a dpkg status of 200 packages) in the first
 * layer and npm and Python packages spread over the others, as an OCI layout. Generated once.
 */
async function generatedImage(dir: string, totalMiB: number, layers: number): Promise<string> {
  const layout = path.join(dir, `scan-${totalMiB}m-${layers}l`);
  if (existsSync(path.join(layout, 'index.json'))) return layout;
  const blobs = path.join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const perLayer = Math.floor((totalMiB * 1048576) / layers);
  const descriptors = [];
  let counter = 0;
  const random = (size: number) => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i += 32)
      createHash('sha256').update(`berth-scan-bench ${counter++}`).digest().copy(out, i);
    return out;
  };
  for (let l = 0; l < layers; l++) {
    const pack = tar.pack();
    const hash = createHash('sha256');
    let size = 0;
    const tmp = path.join(blobs, `tmp-${l}`);
    // The layer streams to disk while it is written: nothing of it is held in memory.
    const written = pipeline(
      pack,
      createGzip({ level: 1 }),
      new Transform({
        transform(chunk: Buffer, _e, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
    const add = (name: string, content: string) =>
      new Promise<void>((resolve, reject) =>
        pack.entry({ name }, content, (e) => (e ? reject(e) : resolve())),
      );
    if (l === 0) {
      await add('etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n');
      const status = Array.from(
        { length: 200 },
        (_, i) => `Package: pkg${i}\nStatus: install ok installed\nSource: src${i}\nVersion: 1.${i}-1\n`,
      ).join('\n');
      await add('var/lib/dpkg/status', status);
    } else {
      for (let p = 0; p < 20; p++) {
        await add(
          `app${l}/node_modules/mod${l}x${p}/package.json`,
          JSON.stringify({ name: `mod${l}x${p}`, version: `1.0.${p}` }),
        );
        await add(
          `usr/lib/python3/dist-packages/py${l}x${p}-2.0.${p}.dist-info/METADATA`,
          `Metadata-Version: 2.1\nName: py${l}x${p}\nVersion: 2.0.${p}\n`,
        );
      }
    }
    // The bulk: files of pseudo-random bytes, written with back-pressure.
    for (let done = 0, f = 0; done < perLayer; f++) {
      const fileSize = Math.min(8 * 1048576, perLayer - done);
      const entry = pack.entry({ name: `data/layer${l}/blob${f}.bin`, size: fileSize });
      for (let i = 0; i < fileSize; i += 1048576) {
        if (!entry.write(random(Math.min(1048576, fileSize - i))))
          await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) =>
        entry.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      done += fileSize;
    }
    pack.finalize();
    await written;
    const digest = hash.digest('hex');
    await rename(tmp, path.join(blobs, digest));
    descriptors.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${digest}`,
      size,
    });
  }
  await writeImageLayout(layout, descriptors, []);
  return layout;
}

async function measureOne(root: string, layout: string, ref: string, osv: string | undefined) {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench/scan-worker.ts'), layout, ref, ...(osv ? [osv] : [])],
    { cwd: root, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Omit<ScanFigure, 'image' | 'sizeMiB'>;
}

/** Time and peak memory of scanning each image of ../shared/images (when present) and a generated large one. */
export async function scanFigures(
  root: string,
  cache: string,
  totalMiB: number,
  layerCount: number,
): Promise<ScanFigure[]> {
  const shared = path.resolve(root, '..', 'shared');
  const osv = existsSync(path.join(shared, 'vulndb/osv')) ? path.join(shared, 'vulndb/osv') : undefined;
  const figures: ScanFigure[] = [];
  const images: [string, string, string][] = [];
  const expected = path.join(shared, 'images/expected-findings.json');
  if (existsSync(expected)) {
    const spec = JSON.parse(await (await import('node:fs/promises')).readFile(expected, 'utf8')) as {
      images: Record<string, { layout: string; ref: string }>;
    };
    for (const [name, image] of Object.entries(spec.images))
      images.push([name, path.join(shared, image.layout), image.ref]);
  }
  console.error(`[bench] preparing a ${totalMiB} MiB, ${layerCount}-layer image for the scanner`);
  images.push([
    `generated ${totalMiB} MiB / ${layerCount} layers`,
    await generatedImage(cache, totalMiB, layerCount),
    'latest',
  ]);
  for (const [name, layout, ref] of images) {
    const du = await exec('du', ['-sm', path.join(layout, 'blobs')]);
    const figure = await measureOne(root, layout, ref, osv);
    figures.push({ image: name, sizeMiB: Number(du.stdout.split('\t')[0]), ...figure });
    console.error(`[bench] scanned ${name}: ${JSON.stringify(figure)}`);
  }
  return figures;
}
