import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zipMembers } from '../lib/zip.js';

/**
 * Zip archives inside an image (Java archives): the members a detector wants, read from the archive
 * and from the archives inside it, with memory bounded whatever the archive's size.
 */

/** Which files are archives (in the image or inside another archive), and which members are wanted. */
export interface ArchiveSelector {
  readonly matches: (path: string) => boolean;
  readonly wants: (member: string) => boolean;
}

/** Archives up to this size are read in memory; larger ones go through a temporary file. */
const archiveInMemoryBytes = 32 << 20;
/** Archives larger than this are not opened. */
export const archiveMaxBytes = 1 << 30;
/** Archives inside archives (a Spring Boot jar's libraries) are opened this deep. */
const archiveDepth = 3;
/** Wanted archive members larger than this are skipped. */
const memberMaxBytes = 1 << 20;

/** The wanted members of a zip archive (and of the archives inside it), or none when it is not one. */
async function archiveMembers(
  source: string | Buffer,
  at: string,
  archives: ArchiveSelector,
  depth: number,
): Promise<{ path: string; content: Buffer }[]> {
  const found: { path: string; content: Buffer }[] = [];
  try {
    for await (const member of zipMembers(source)) {
      const inner = `${at}!/${member.name}`;
      if (archives.wants(member.name) && member.size <= memberMaxBytes) {
        found.push({ path: inner, content: await member.read(memberMaxBytes) });
      } else if (
        depth < archiveDepth &&
        archives.matches(member.name) &&
        member.size <= archiveInMemoryBytes
      ) {
        found.push(
          ...(await archiveMembers(await member.read(archiveInMemoryBytes), inner, archives, depth + 1)),
        );
      }
    }
  } catch {
    // Not a zip archive after all, or a damaged one: it has nothing to say.
  }
  return found;
}

/** Reads an archive out of the layer's stream (to the end) and answers its wanted members. */
export async function readArchive(
  stream: AsyncIterable<Buffer>,
  size: number,
  at: string,
  archives: ArchiveSelector,
): Promise<{ path: string; content: Buffer }[]> {
  if (size <= archiveInMemoryBytes) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return archiveMembers(Buffer.concat(chunks), at, archives, 1);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-archive-'));
  try {
    const file = path.join(dir, 'archive.zip');
    await pipeline(Readable.from(stream), createWriteStream(file));
    return await archiveMembers(file, at, archives, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
