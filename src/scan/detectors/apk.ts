import type { OsPackage } from './dpkg.js';

/** The installed packages of Alpine's `/lib/apk/db/installed` (P: name, V: version, o: origin). */
export function parseApkInstalled(text: string): OsPackage[] {
  const packages: OsPackage[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.length > 2 && line[1] === ':' && !fields.has(line[0] as string))
        fields.set(line[0] as string, line.slice(2).trim());
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (name && version) packages.push({ name, version, source: fields.get('o') || name });
  }
  return packages;
}
