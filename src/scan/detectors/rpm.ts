import { randomUUID } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { berkeleyDbHashValues, isBerkeleyDbHash } from './berkeley-db.js';
import type { OsPackage } from './dpkg.js';

/** Where rpm keeps its database: SQLite (RHEL 9, Fedora 33+) or Berkeley DB `Packages` (RHEL 7/8, CentOS 7). */
export const rpmdbPaths = [
  'var/lib/rpm/rpmdb.sqlite',
  'usr/lib/sysimage/rpm/rpmdb.sqlite',
  'var/lib/rpm/Packages',
];

const tags = { name: 1000, version: 1001, release: 1002, epoch: 1003, sourceRpm: 1044 } as const;
const stringType = 6;
const int32Type = 4;

/** The fields Berth needs from one RPM header blob (index entries, then the data store). */
export function parseRpmHeader(
  blob: Buffer,
): { name: string; version: string; release: string; epoch?: number; sourceRpm?: string } | undefined {
  if (blob.length < 8) return undefined;
  const entries = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  const dataStart = 8 + entries * 16;
  if (entries > 100_000 || dataStart + dataLength > blob.length) return undefined;
  const values = new Map<number, string | number>();
  for (let i = 0; i < entries; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    if (!Object.values(tags).includes(tag as never) || offset >= dataLength) continue;
    const start = dataStart + offset;
    if (type === stringType) {
      const end = blob.indexOf(0, start);
      values.set(tag, blob.toString('utf8', start, end < 0 ? dataStart + dataLength : end));
    } else if (type === int32Type && start + 4 <= blob.length) {
      values.set(tag, blob.readInt32BE(start));
    }
  }
  const name = values.get(tags.name);
  const version = values.get(tags.version);
  const release = values.get(tags.release);
  if (typeof name !== 'string' || typeof version !== 'string' || typeof release !== 'string')
    return undefined;
  const epoch = values.get(tags.epoch);
  const sourceRpm = values.get(tags.sourceRpm);
  return {
    name,
    version,
    release,
    ...(typeof epoch === 'number' ? { epoch } : {}),
    ...(typeof sourceRpm === 'string' ? { sourceRpm } : {}),
  };
}

/**
 * The installed packages of an rpm database, SQLite or Berkeley DB, as `[epoch:]version-release`.
 * Advisories for these distributions name binary packages, so the name is what is matched.
 */
export function parseRpmDatabase(content: Buffer): OsPackage[] {
  const headers = isBerkeleyDbHash(content) ? berkeleyDbHashValues(content) : sqliteHeaders(content);
  const packages: OsPackage[] = [];
  for (const blob of headers) {
    const header = parseRpmHeader(blob);
    if (!header || header.name === 'gpg-pubkey') continue;
    const version = `${header.epoch ? `${header.epoch}:` : ''}${header.version}-${header.release}`;
    packages.push({ name: header.name, version, source: header.name });
  }
  return packages;
}

/** The header blobs of an SQLite rpm database, read from a temporary copy (SQLite needs a file). */
function sqliteHeaders(content: Buffer): Buffer[] {
  const file = path.join(tmpdir(), `berth-rpmdb-${randomUUID()}.sqlite`);
  writeFileSync(file, content);
  try {
    // Our own copy: opened writable so that a WAL-mode database needs no -shm file from the image.
    const db = new Sqlite(file, { fileMustExist: true });
    try {
      return (db.prepare('select blob from Packages').all() as { blob: Buffer }[]).map((r) => r.blob);
    } finally {
      db.close();
    }
  } finally {
    unlinkSync(file);
  }
}
