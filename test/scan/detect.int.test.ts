import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { detectPackages, scanSelector } from '../../src/scan/detect.js';
import { parseGoBuildInfo } from '../../src/scan/detectors/go.js';
import { type LayerRef, readImageFiles } from '../../src/scan/layers.js';
import { sha256 } from '../support/client.js';

type TarEntry = {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
  mode?: number;
};

async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, Buffer.from(e.content ?? ''));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads an image made of these layer blobs (lowest first) with the scanner's selector. */
async function imageOf(blobs: Buffer[]) {
  const byDigest = new Map(blobs.map((b) => [sha256(b), b]));
  const layers: LayerRef[] = [...byDigest.keys()].map((digest) => ({
    digest,
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
  }));
  const files = await readImageFiles(
    layers,
    async (digest) => Readable.from([byDigest.get(digest) as Buffer]),
    scanSelector,
  );
  return { layers, files };
}

const dpkg = (packages: [string, string, string, string?][]) =>
  packages
    .map(([name, version, status, source]) =>
      [
        `Package: ${name}`,
        `Status: ${status}`,
        ...(source ? [`Source: ${source}`] : []),
        `Version: ${version}`,
        'Description: x',
        ' more',
      ].join('\n'),
    )
    .join('\n\n');

describe('reading an image’s final filesystem and detecting its packages', () => {
  it('reads an empty layer as no files, and recognises compression split over tiny first chunks', async () => {
    const release = gzipSync(
      await tarOf([{ name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }]),
    );
    const blobs = new Map([
      [sha256(''), Buffer.alloc(0)],
      [sha256(release), release],
    ]);
    const layers: LayerRef[] = [...blobs.keys()].map((digest) => ({
      digest,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    }));
    // Each blob arrives a byte at a time: the first chunk is shorter than any magic number.
    const files = await readImageFiles(
      layers,
      async (digest) => Readable.from([...(blobs.get(digest) as Buffer)].map((b) => Buffer.from([b]))),
      scanSelector,
    );
    expect(detectPackages(files).os).toMatchObject({ id: 'debian', versionId: '12' });
  });

  it('applies whiteouts and opaque directories in layer order, over gzip, zstd and plain tar layers', async () => {
    const lower = gzipSync(
      await tarOf([
        { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
        {
          name: 'usr/lib/os-release',
          content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
        },
        {
          name: 'var/lib/dpkg/status',
          content: dpkg([
            ['libssl3', '3.0.11-1~deb12u1', 'install ok installed', 'openssl (3.0.11-1~deb12u1)'],
            ['removed', '1.0', 'deinstall ok config-files'],
          ]),
        },
        {
          name: 'usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA',
          content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n\nbody',
        },
        { name: 'app/node_modules/lodash/package.json', content: '{"name":"lodash","version":"4.17.20"}' },
        {
          name: 'opt/old/node_modules/minimist/package.json',
          content: '{"name":"minimist","version":"0.0.8"}',
        },
        { name: 'usr/bin/tool', content: 'not elf at all'.repeat(200), mode: 0o755 },
      ]),
    );
    const middle = execFileSync('zstd', ['-q', '-c'], {
      input: await tarOf([
        { name: 'opt/old/.wh.node_modules' },
        { name: 'usr/lib/python3/dist-packages/.wh..wh..opq' },
        {
          name: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
          content: 'Name: six\nVersion: 1.16.0\n',
        },
      ]),
    });
    const upper = await tarOf([
      {
        name: './var/lib/dpkg/status',
        content: dpkg([['libssl3', '3.0.11-1~deb12u2', 'install ok installed', 'openssl']]),
      },
    ]);
    const { layers, files } = await imageOf([lower, middle, upper]);
    const { os, packages } = detectPackages(files);
    expect(os).toMatchObject({ id: 'debian', versionId: '12', ecosystem: 'Debian:12' });
    expect(packages.map((p) => [p.type, p.ecosystem, p.name, p.version, p.source, p.layer])).toEqual([
      ['npm', 'npm', 'lodash', '4.17.20', undefined, layers[0]?.digest],
      ['pypi', 'PyPI', 'six', '1.16.0', undefined, layers[1]?.digest],
      ['os', 'Debian:12', 'libssl3', '3.0.11-1~deb12u2', 'openssl', layers[2]?.digest],
    ]);
  });

  it('reads Go build information written inline (Go 1.18 and later)', () => {
    const varstr = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
    const sentinel = Buffer.alloc(16, 0x30);
    const modinfo =
      'path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/net\tv0.7.0\th1:x\ndep\tgithub.com/a/b\tv1.0.0\n=>\tgithub.com/c/b\tv1.2.0\th1:y\n';
    const header = Buffer.concat([
      Buffer.from('\xff Go buildinf:', 'latin1'),
      Buffer.from([8, 2]),
      Buffer.alloc(16),
    ]);
    const info = Buffer.concat([header, varstr('go1.21.3'), varstr(`${sentinel}${modinfo}${sentinel}`)]);
    expect(parseGoBuildInfo(info)).toEqual({
      goVersion: 'go1.21.3',
      modules: [
        { path: 'golang.org/x/net', version: 'v0.7.0' },
        { path: 'github.com/c/b', version: 'v1.2.0' },
      ],
    });
    expect(
      parseGoBuildInfo(Buffer.concat([header.subarray(0, 15), Buffer.from([0]), Buffer.alloc(40)])),
    ).toBeUndefined();
  });
});

const images = path.resolve(__dirname, '../../../shared/images');
const haveImages = existsSync(path.join(images, 'expected-findings.json'));

describe.skipIf(!haveImages)('detecting the packages of ../shared’s real images', () => {
  const expected = haveImages
    ? (JSON.parse(readFileSync(path.join(images, 'expected-findings.json'), 'utf8')) as {
        images: Record<
          string,
          {
            layout: string;
            ref: string;
            os_release: { ID: string; VERSION_ID: string } | null;
            osv_ecosystem: string | null;
            packages: {
              ecosystem: string;
              name: string;
              version: string;
              source?: string;
              status?: string;
            }[];
          }
        >;
      })
    : { images: {} };

  it.each(Object.entries(expected.images))('%s', async (_name, spec) => {
    const layout = path.join(images, '..', spec.layout);
    const blob = (digest: string) => path.join(layout, 'blobs', 'sha256', digest.slice(7));
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const entry = index.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === spec.ref,
    );
    const manifest = JSON.parse(readFileSync(blob(entry?.digest as string), 'utf8')) as {
      layers: LayerRef[];
    };
    const files = await readImageFiles(
      manifest.layers,
      async (digest) => createReadStream(blob(digest)),
      scanSelector,
    );
    const { os, packages } = detectPackages(files);
    expect(os?.ecosystem).toBe(spec.osv_ecosystem ?? undefined);
    if (spec.os_release)
      expect(os).toMatchObject({ id: spec.os_release.ID, versionId: spec.os_release.VERSION_ID });
    const key = (p: { ecosystem: string; name: string; version: string }) =>
      `${p.ecosystem} ${p.name} ${p.version}`;
    const wanted = spec.packages.filter((p) => p.status === undefined || p.status === 'install ok installed');
    expect(packages.map(key).sort()).toEqual(wanted.map(key).sort());
    for (const p of wanted.filter((w) => w.source)) {
      expect(packages.find((d) => key(d) === key(p))?.source).toBe(p.source);
    }
    expect(packages.every((p) => manifest.layers.some((l) => l.digest === p.layer))).toBe(true);
  });
});

/** A zip archive of these members (compressed unless told otherwise). */
async function zipOf(members: Record<string, string | Buffer>, compress = true): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(members))
    zip.addBuffer(Buffer.from(content), name, { compress });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const pom = (group: string, artifact: string, version: string) =>
  `#Generated by Maven\ngroupId=${group}\nartifactId=${artifact}\nversion=${version}\n`;

describe('Java archives', () => {
  it('reads pom.properties inside jars, jars inside jars and big jars, honouring whiteouts', async () => {
    const library = await zipOf({
      'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n',
      'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties': pom(
        'com.fasterxml.jackson.core',
        'jackson-databind',
        '2.9.0',
      ),
    });
    const app = await zipOf({
      'META-INF/maven/com.acme/app/pom.properties': pom('com.acme', 'app', '1.0.0'),
      'BOOT-INF/lib/jackson-databind-2.9.0.jar': library,
      'BOOT-INF/classes/com/acme/App.class': 'cafebabe',
    });
    // Larger than what is read in memory: it goes through a temporary file.
    const big = await zipOf(
      {
        'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties': pom(
          'org.apache.logging.log4j',
          'log4j-core',
          '2.14.1',
        ),
        'filler.bin': randomBytes(33 << 20),
      },
      false,
    );
    const lower = await tarOf([
      { name: 'app/app.jar', content: app },
      { name: 'opt/lib/log4j-core-2.14.1.jar', content: big },
      {
        name: 'opt/lib/removed.jar',
        content: await zipOf({ 'META-INF/maven/x/removed/pom.properties': pom('x', 'removed', '1') }),
      },
      {
        name: 'opt/lib/replaced.jar',
        content: await zipOf({ 'META-INF/maven/x/replaced/pom.properties': pom('x', 'replaced', '1') }),
      },
      { name: 'opt/lib/broken.jar', content: 'PK not really a zip' },
    ]);
    const upper = await tarOf([
      { name: 'opt/lib/.wh.removed.jar' },
      { name: 'opt/lib/replaced.jar', content: 'now a text file' },
    ]);
    const { layers, files } = await imageOf([lower, upper]);
    const { packages } = detectPackages(files);
    expect(packages.map((p) => [p.ecosystem, p.name, p.version, p.location, p.layer])).toEqual([
      [
        'Maven',
        'com.fasterxml.jackson.core:jackson-databind',
        '2.9.0',
        'app/app.jar!/BOOT-INF/lib/jackson-databind-2.9.0.jar!/META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties',
        layers[0]?.digest,
      ],
      [
        'Maven',
        'com.acme:app',
        '1.0.0',
        'app/app.jar!/META-INF/maven/com.acme/app/pom.properties',
        layers[0]?.digest,
      ],
      [
        'Maven',
        'org.apache.logging.log4j:log4j-core',
        '2.14.1',
        'opt/lib/log4j-core-2.14.1.jar!/META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties',
        layers[0]?.digest,
      ],
    ]);
  });
});

describe('a layer that is not a tar', () => {
  it('fails the read with an error, not an unhandled rejection', async () => {
    const garbage = gzipSync(Buffer.from('this is not a tar archive'));
    const layers: LayerRef[] = [
      { digest: sha256(garbage), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ];
    await expect(
      readImageFiles(layers, async () => Readable.from([garbage]), scanSelector),
    ).rejects.toThrow();
    const truncated = gzipSync(Buffer.alloc(700, 1)).subarray(0, 20);
    await expect(
      readImageFiles(layers, async () => Readable.from([truncated]), scanSelector),
    ).rejects.toThrow();
  });
});

describe('rpm databases', () => {
  /**
   * An RPM header blob with string tags (and an optional INT32 epoch), as rpm databases store them;
   * `summary` pads it out as real headers (kilobytes each) are.
   */
  function rpmHeader(fields: {
    name: string;
    version: string;
    release: string;
    epoch?: number;
    summary?: string;
  }): Buffer {
    const entries: [number, number, Buffer][] = [
      [1000, 6, Buffer.from(`${fields.name}\0`)],
      [1001, 6, Buffer.from(`${fields.version}\0`)],
      [1002, 6, Buffer.from(`${fields.release}\0`)],
      [1004, 6, Buffer.from(`${fields.summary ?? ''}\0`)],
      [1044, 6, Buffer.from(`${fields.name}-${fields.version}-${fields.release}.src.rpm\0`)],
    ];
    if (fields.epoch !== undefined) {
      const epoch = Buffer.alloc(4);
      epoch.writeInt32BE(fields.epoch);
      entries.push([1003, 4, epoch]);
    }
    const index = Buffer.alloc(entries.length * 16);
    const data: Buffer[] = [];
    let offset = 0;
    entries.forEach(([tag, type, value], i) => {
      // INT32 data is 4-byte aligned in real headers.
      const pad = type === 4 ? (4 - (offset % 4)) % 4 : 0;
      if (pad) data.push(Buffer.alloc(pad));
      offset += pad;
      index.writeUInt32BE(tag, i * 16);
      index.writeUInt32BE(type, i * 16 + 4);
      index.writeUInt32BE(offset, i * 16 + 8);
      index.writeUInt32BE(1, i * 16 + 12);
      data.push(value);
      offset += value.length;
    });
    const head = Buffer.alloc(8);
    head.writeUInt32BE(entries.length, 0);
    head.writeUInt32BE(offset, 4);
    return Buffer.concat([head, index, ...data]);
  }

  it('reads installed packages of an AlmaLinux image as [epoch:]version-release', async () => {
    const { default: Sqlite } = await import('better-sqlite3');
    const { tempDir } = await import('../support/services.js');
    const work = await tempDir('berth-rpmdb-');
    try {
      const file = path.join(work.dir, 'rpmdb.sqlite');
      const db = new Sqlite(file);
      db.exec('create table Packages (hnum integer primary key autoincrement, blob blob not null)');
      const insert = db.prepare('insert into Packages (blob) values (?)');
      insert.run(rpmHeader({ name: 'openssl-libs', version: '3.0.7', release: '27.el9', epoch: 1 }));
      insert.run(rpmHeader({ name: 'bash', version: '5.1.8', release: '6.el9_1' }));
      insert.run(rpmHeader({ name: 'gpg-pubkey', version: 'b86b3716', release: '61e69f29' }));
      db.close();
      // The database is binary: the layer is built from bytes.
      const pack = tar.pack();
      pack.entry({ name: 'etc/os-release' }, 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.3"\n');
      pack.entry({ name: 'var/lib/rpm/rpmdb.sqlite' }, readFileSync(file));
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of pack) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const layers: LayerRef[] = [
        { digest: sha256(bytes), mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      ];
      const files = await readImageFiles(layers, async () => Readable.from([bytes]), scanSelector);
      const { os, packages } = detectPackages(files);
      expect(os?.ecosystem).toBe('AlmaLinux:9');
      expect(packages.map((p) => [p.ecosystem, p.name, p.version])).toEqual([
        ['AlmaLinux:9', 'openssl-libs', '1:3.0.7-27.el9'],
        ['AlmaLinux:9', 'bash', '5.1.8-6.el9_1'],
      ]);
    } finally {
      await work.remove();
    }
  });

  it('reads the Berkeley DB Packages database of an AlmaLinux 8 image (made by db_load)', async () => {
    const { tempDir } = await import('../support/services.js');
    const work = await tempDir('berth-rpmbdb-');
    try {
      // Keys are rpm's 4-byte instance numbers; key 0 holds the next one (not a header). Headers of a
      // few KiB land on overflow pages, short ones inline, as in real databases.
      const records: [number, Buffer][] = [
        [0, Buffer.from([4, 0, 0, 0])],
        [
          1,
          rpmHeader({
            name: 'openssl-libs',
            version: '1.1.1k',
            release: '9.el8_7',
            epoch: 1,
            summary: 'x'.repeat(9000),
          }),
        ],
        [2, rpmHeader({ name: 'bash', version: '4.4.20', release: '4.el8_6', summary: 'y'.repeat(3000) })],
        [3, rpmHeader({ name: 'tzdata', version: '2023c', release: '1.el8' })],
        [4, rpmHeader({ name: 'gpg-pubkey', version: 'c21ad6ea', release: '5d0b2c3b' })],
      ];
      const hex = (b: Buffer) => [...b].map((x) => `\\${x.toString(16).padStart(2, '0')}`).join('');
      const key = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
      };
      const input = records.map(([k, v]) => `${hex(key(k))}\n${hex(v)}\n`).join('');
      const file = path.join(work.dir, 'Packages');
      execFileSync('db_load', ['-T', '-t', 'hash', file], { input });
      const pack = tar.pack();
      pack.entry({ name: 'etc/os-release' }, 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="8.8"\n');
      pack.entry({ name: 'var/lib/rpm/Packages' }, readFileSync(file));
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of pack) chunks.push(chunk as Buffer);
      const { files } = await imageOf([Buffer.concat(chunks)]);
      const { os, packages } = detectPackages(files);
      expect(os?.ecosystem).toBe('AlmaLinux:8');
      expect(packages.map((p) => [p.ecosystem, p.name, p.version]).sort()).toEqual([
        ['AlmaLinux:8', 'bash', '4.4.20-4.el8_6'],
        ['AlmaLinux:8', 'openssl-libs', '1:1.1.1k-9.el8_7'],
        ['AlmaLinux:8', 'tzdata', '2023c-1.el8'],
      ]);
    } finally {
      await work.remove();
    }
  });
});
