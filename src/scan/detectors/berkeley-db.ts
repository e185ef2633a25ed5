/**
 * Reads the values of a Berkeley DB hash database (the format of the `Packages` rpm database of
 * CentOS 7, RHEL 7 and 8, Amazon Linux 2) straight from its bytes: every page is looked at, and the
 * data items of hash pages — inline, or on overflow-page chains as rpm headers are — are returned.
 * Both byte orders are read (the metadata page's magic tells which).
 */

const hashMagic = 0x061561;
const pageHeaderBytes = 26;
const pageTypes = { hashUnsorted: 2, overflow: 7, hashMeta: 8, hash: 13 } as const;
const itemTypes = { keyData: 1, offPage: 3 } as const;

class BerkeleyDbError extends Error {}

/** Whether these bytes start with a Berkeley DB hash database's metadata page. */
export function isBerkeleyDbHash(content: Buffer): boolean {
  if (content.length < 72) return false;
  return content.readUInt32LE(12) === hashMagic || content.readUInt32BE(12) === hashMagic;
}

export function berkeleyDbHashValues(content: Buffer): Buffer[] {
  if (!isBerkeleyDbHash(content)) throw new BerkeleyDbError('not a Berkeley DB hash database');
  const little = content.readUInt32LE(12) === hashMagic;
  const u32 = (at: number) => (little ? content.readUInt32LE(at) : content.readUInt32BE(at));
  const u16 = (at: number) => (little ? content.readUInt16LE(at) : content.readUInt16BE(at));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0)
    throw new BerkeleyDbError(`unlikely page size ${pageSize}`);
  if (content[25] !== pageTypes.hashMeta) throw new BerkeleyDbError('the first page is not hash metadata');
  const pages = Math.min(u32(32) + 1, Math.floor(content.length / pageSize));

  /** The bytes of an item stored on a chain of overflow pages. */
  const overflow = (first: number, total: number): Buffer | undefined => {
    const parts: Buffer[] = [];
    let length = 0;
    let page = first;
    for (let hops = 0; page !== 0 && length < total && hops < pages; hops++) {
      if (page >= pages) return undefined;
      const base = page * pageSize;
      if (content[base + 25] !== pageTypes.overflow) return undefined;
      // On overflow pages the header's hf_offset field holds how many bytes the page carries.
      const used = u16(base + 22);
      parts.push(
        content.subarray(
          base + pageHeaderBytes,
          base + pageHeaderBytes + Math.min(used, pageSize - pageHeaderBytes),
        ),
      );
      length += used;
      page = u32(base + 16);
    }
    return length >= total ? Buffer.concat(parts).subarray(0, total) : undefined;
  };

  const values: Buffer[] = [];
  for (let page = 1; page < pages; page++) {
    const base = page * pageSize;
    const type = content[base + 25];
    if (type !== pageTypes.hash && type !== pageTypes.hashUnsorted) continue;
    const entries = u16(base + 20);
    if (pageHeaderBytes + entries * 2 > pageSize) continue;
    const offsets = Array.from({ length: entries }, (_, i) => u16(base + pageHeaderBytes + i * 2));
    // Entries alternate key, data; an item runs to the start of the one before it (or the page end).
    for (let i = 1; i < entries; i += 2) {
      const start = offsets[i] as number;
      const end = offsets[i - 1] as number;
      if (start >= pageSize || end > pageSize || end <= start) continue;
      const item = content.subarray(base + start, base + end);
      if (item[0] === itemTypes.keyData) values.push(item.subarray(1));
      else if (item[0] === itemTypes.offPage && item.length >= 12) {
        const value = overflow(
          little ? item.readUInt32LE(4) : item.readUInt32BE(4),
          little ? item.readUInt32LE(8) : item.readUInt32BE(8),
        );
        if (value) values.push(value);
      }
    }
  }
  return values;
}
