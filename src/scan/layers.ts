import type { Readable } from 'node:stream';
import { Readable as ReadableStream, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import tar from 'tar-stream';
import { type ArchiveSelector, archiveMaxBytes, readArchive } from './archives.js';

/** A layer of an image, by digest, in manifest order (lowest first). */
export interface LayerRef {
  readonly digest: string;
  readonly mediaType: string;
}

export type OpenBlob = (digest: string) => Promise<Readable>;

/** A file of the final filesystem that a detector asked for. */
export interface ImageFile {
  readonly path: string;
  readonly layer: string;
  readonly content: Buffer;
}

/** An executable with Go build information (the bytes right after the `\xff Go buildinf:` marker). */
export interface GoBinary {
  readonly path: string;
  readonly layer: string;
  readonly buildInfo: Buffer;
}

/** The image's final filesystem, as far as the scan needs it. */
export interface ImageFiles {
  readonly files: ReadonlyMap<string, ImageFile>;
  readonly goBinaries: readonly GoBinary[];
  /** The file at the path, following symbolic links. */
  get(path: string): ImageFile | undefined;
}

export interface FileSelector {
  /** Whether a regular file at this path (no leading slash) is one a detector reads. */
  readonly wants: (path: string) => boolean;
  /** Files larger than this are skipped rather than held in memory. */
  readonly maxFileBytes: number;
  /**
   * Zip archives whose members a detector reads (Java archives): which paths are ones (in the image
   * or inside another archive), and which members are wanted. A wanted member is a file of the image
   * at `<archive path>!/<member name>`.
   */
  readonly archives?: ArchiveSelector;
}

const goMarker = Buffer.from('\xff Go buildinf:', 'latin1');
/** Build information follows its marker within this many bytes (version and module list). */
const goInfoBytes = 256 * 1024;
const elfMagic = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** zstd for streams (Node 20's zlib has none). */
class ZstdDecompress extends Transform {
  private readonly decoder = new Decompress((data) => {
    this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}

/** Bytes enough to tell gzip (2) and zstd (4) from plain tar. */
const magicBytes = 4;

/**
 * The layer's tar stream, decompressed by what its first bytes are (gzip, zstd or plain tar), however
 * the source splits them into chunks. An empty layer is an empty tar: no files.
 */
async function tarStream(source: Readable): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const start: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < magicBytes && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      start.push(next.value);
      length += next.value.length;
    }
  }
  const head = Buffer.concat(start);
  // Two zero blocks are a tar archive's end: an empty layer reads as an empty archive.
  if (head.length === 0) return ReadableStream.from([Buffer.alloc(1024)]);
  const whole = ReadableStream.from(
    (async function* () {
      yield head;
      while (!done) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  );
  if (head[0] === 0x1f && head[1] === 0x8b) return whole.pipe(createGunzip());
  if (head.length >= magicBytes && head.readUInt32LE(0) === 0xfd2fb528)
    return whole.pipe(new ZstdDecompress());
  return whole;
}

const normalize = (name: string) => name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

interface Entry<T> {
  readonly layerIndex: number;
  readonly value: T;
}

/**
 * Scans an ELF executable's stream for the Go build-info marker and keeps what follows it, holding a
 * few bytes at a time. The stream is always read to its end (the tar stream goes on after it).
 */
async function goBuildInfo(stream: AsyncIterable<Buffer>): Promise<Buffer | undefined> {
  let carry = Buffer.alloc(0);
  let found: Buffer[] | undefined;
  let kept = 0;
  let elf: boolean | undefined;
  for await (const chunk of stream) {
    elf ??= chunk.length >= 4 && chunk.subarray(0, 4).equals(elfMagic);
    if (!elf) continue;
    if (found) {
      if (kept < goInfoBytes) {
        found.push(chunk);
        kept += chunk.length;
      }
      continue;
    }
    const window = Buffer.concat([carry, chunk]);
    const at = window.indexOf(goMarker);
    if (at >= 0) {
      found = [window.subarray(at)];
      kept = window.length - at;
    } else {
      carry = window.subarray(Math.max(0, window.length - goMarker.length + 1));
    }
  }
  return found ? Buffer.concat(found).subarray(0, goInfoBytes) : undefined;
}

/**
 * Reads the layers in order as streams and keeps only the files the selector wants (and the build
 * information of Go executables), applying each layer's whiteouts (`.wh.<name>`) and opaque
 * directories (`.wh..wh..opq`) to the layers below it. Memory holds the wanted files, never a layer.
 */
export async function readImageFiles(
  layers: readonly LayerRef[],
  open: OpenBlob,
  selector: FileSelector,
): Promise<ImageFiles> {
  const files = new Map<string, Entry<ImageFile>>();
  const links = new Map<string, Entry<string>>();
  const binaries = new Map<string, Entry<GoBinary>>();
  const maps = [files, links, binaries] as Map<string, Entry<unknown>>[];

  const removeBelow = (layerIndex: number, test: (path: string) => boolean) => {
    for (const map of maps)
      for (const [path, entry] of map) if (entry.layerIndex < layerIndex && test(path)) map.delete(path);
  };
  /** The path itself, what is under it as a directory, and the members read from it as an archive. */
  const under = (gone: string) => (p: string) =>
    p === gone || p.startsWith(`${gone}/`) || p.startsWith(`${gone}!/`);

  for (const [layerIndex, layer] of layers.entries()) {
    const extract = tar.extract();
    const source = await tarStream(await open(layer.digest));
    // The pipeline's failure (a corrupt layer) is collected here, never left unhandled.
    const piping = pipeline(source, extract).then(
      () => undefined,
      (error: unknown) => error,
    );
    for await (const entry of extract) {
      const header = entry.header;
      const path = normalize(header.name);
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (base.startsWith('.wh.')) {
        const dir = parentOf(path);
        if (base === '.wh..wh..opq') removeBelow(layerIndex, (p) => p.startsWith(`${dir}/`));
        else {
          removeBelow(layerIndex, under(dir ? `${dir}/${base.slice(4)}` : base.slice(4)));
        }
        entry.resume();
        continue;
      }
      // Whatever this layer puts at a path hides what lower layers had there (an archive's members too).
      for (const map of maps) map.delete(path);
      if (selector.archives?.matches(path)) removeBelow(layerIndex, (p) => p.startsWith(`${path}!/`));
      if (header.type === 'symlink' && header.linkname) {
        links.set(path, { layerIndex, value: header.linkname });
        entry.resume();
      } else if (header.type === 'link' && header.linkname) {
        const target = files.get(normalize(header.linkname));
        if (target && selector.wants(path))
          files.set(path, { layerIndex, value: { ...target.value, path, layer: layer.digest } });
        entry.resume();
      } else if (
        header.type === 'file' &&
        selector.wants(path) &&
        (header.size ?? 0) <= selector.maxFileBytes
      ) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files.set(path, { layerIndex, value: { path, layer: layer.digest, content: Buffer.concat(chunks) } });
      } else if (
        header.type === 'file' &&
        selector.archives?.matches(path) &&
        (header.size ?? 0) <= archiveMaxBytes
      ) {
        const members = await readArchive(
          entry as AsyncIterable<Buffer>,
          header.size ?? 0,
          path,
          selector.archives,
        );
        for (const member of members)
          files.set(member.path, {
            layerIndex,
            value: { path: member.path, layer: layer.digest, content: member.content },
          });
      } else if (header.type === 'file' && ((header.mode ?? 0) & 0o111) !== 0 && (header.size ?? 0) > 1024) {
        const buildInfo = await goBuildInfo(entry as AsyncIterable<Buffer>);
        if (buildInfo) binaries.set(path, { layerIndex, value: { path, layer: layer.digest, buildInfo } });
      } else {
        entry.resume();
      }
    }
    const failed = await piping;
    if (failed) throw failed;
  }

  const resolved = new Map([...files].map(([path, entry]) => [path, entry.value]));
  return {
    files: resolved,
    goBinaries: [...binaries.values()].map((b) => b.value),
    get(path: string) {
      let current = normalize(path);
      for (let hops = 0; hops < 16; hops++) {
        const file = resolved.get(current);
        if (file) return file;
        const link = links.get(current)?.value;
        if (link === undefined) return undefined;
        const joined = link.startsWith('/') ? link : `${parentOf(current)}/${link}`;
        const parts: string[] = [];
        for (const part of joined.split('/')) {
          if (part === '' || part === '.') continue;
          if (part === '..') parts.pop();
          else parts.push(part);
        }
        current = parts.join('/');
      }
      return undefined;
    },
  };
}
