/** The operating system of an image, from `os-release`. */
export interface OperatingSystem {
  readonly id: string;
  readonly versionId: string;
  readonly prettyName: string;
  /** The OSV ecosystem of its packages (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19` …), when known. */
  readonly ecosystem: string | undefined;
}

export const osReleasePaths = ['etc/os-release', 'usr/lib/os-release'];

/** Shell-style KEY=value lines, values optionally quoted. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    out.set(key, raw.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1'));
  }
  return out;
}

function ecosystemOf(id: string, versionId: string, version: string): string | undefined {
  const major = versionId.split('.')[0] ?? versionId;
  switch (id) {
    case 'debian':
      return major ? `Debian:${major}` : undefined;
    case 'ubuntu':
      return `Ubuntu:${versionId}${/LTS/.test(version) ? ':LTS' : ''}`;
    case 'alpine': {
      const [a, b] = versionId.split('.');
      return `Alpine:v${a}.${b}`;
    }
    case 'almalinux':
      return `AlmaLinux:${major}`;
    case 'rocky':
      return `Rocky Linux:${major}`;
    default:
      return undefined;
  }
}

export function parseOsRelease(text: string): OperatingSystem | undefined {
  const f = fields(text);
  const id = f.get('ID');
  if (!id) return undefined;
  const versionId = f.get('VERSION_ID') ?? '';
  return {
    id,
    versionId,
    prettyName: f.get('PRETTY_NAME') ?? `${id} ${versionId}`.trim(),
    ecosystem: ecosystemOf(id, versionId, f.get('VERSION') ?? ''),
  };
}
