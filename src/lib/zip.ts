import yauzl from 'yauzl';
import { readLimited } from './streams.js';

/** A member of a zip archive: its name and uncompressed size, read on request. */
export interface ZipMember {
  readonly name: string;
  readonly size: number;
  /** Its content; refused past `limit` bytes. */
  read(limit: number): Promise<Buffer>;
}

/**
 * The file members of a zip archive (a file path, or bytes already in memory), one at a time, reading
 * only the central directory and the members asked for; the archive is closed when iteration ends.
 */
export async function* zipMembers(source: string | Buffer): AsyncGenerator<ZipMember> {
  const options = { lazyEntries: true, autoClose: false };
  const zip =
    typeof source === 'string'
      ? await yauzl.openPromise(source, options)
      : await yauzl.fromBufferPromise(source, options);
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        const done = () => {
          zip.off('entry', onEntry);
          zip.off('end', onEnd);
          zip.off('error', onError);
        };
        const onEntry = (e: yauzl.Entry) => {
          done();
          resolve(e);
        };
        const onEnd = () => {
          done();
          resolve(undefined);
        };
        const onError = (error: Error) => {
          done();
          reject(error);
        };
        zip.on('entry', onEntry);
        zip.on('end', onEnd);
        zip.on('error', onError);
        zip.readEntry();
      });
      if (!entry) return;
      if (entry.fileName.endsWith('/')) continue;
      yield {
        name: entry.fileName,
        size: entry.uncompressedSize,
        read: async (limit) => readLimited(await zip.openReadStreamPromise(entry), limit),
      };
    }
  } finally {
    zip.close();
  }
}
