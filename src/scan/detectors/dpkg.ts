/** A package of an OS package database (dpkg, apk, rpm). */
export interface OsPackage {
  readonly name: string;
  readonly version: string;
  /** The source package (what Debian and Ubuntu advisories name). */
  readonly source: string;
}

/** RFC 822-style stanzas: `Field: value` lines, continuation lines starting with a space, blank lines between. */
export function stanzas(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) out.push(current);
      current = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line)) {
      if (last) current.set(last, `${current.get(last)}\n${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      current.set(last, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) out.push(current);
  return out;
}

/**
 * The installed packages of `/var/lib/dpkg/status` (or a `status.d/` file of a distroless image):
 * only those whose Status is `install ok installed`. `Source: name (version)` names the source package.
 */
export function parseDpkgStatus(text: string, requireStatus = true): OsPackage[] {
  const packages: OsPackage[] = [];
  for (const stanza of stanzas(text)) {
    const name = stanza.get('Package');
    const version = stanza.get('Version');
    if (!name || !version) continue;
    if (requireStatus && stanza.get('Status') !== 'install ok installed') continue;
    const source = stanza.get('Source')?.split(/\s+/)[0] || name;
    packages.push({ name, version, source });
  }
  return packages;
}
