/** What a Go binary's build information says: the Go version and the modules linked in. */
export interface GoBuild {
  readonly goVersion: string;
  readonly modules: readonly { path: string; version: string }[];
}

function uvarint(buffer: Buffer, offset: number): [number, number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buffer.length && i < offset + 10; i++) {
    const byte = buffer[i] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

/**
 * Reads the build information that follows the `\xff Go buildinf:` marker (Go 1.18 and later write the
 * version and module strings inline: flag bit 2). Older binaries point into the data segment instead,
 * and are not read.
 */
export function parseGoBuildInfo(info: Buffer): GoBuild | undefined {
  if (info.length < 32 || ((info[15] as number) & 2) === 0) return undefined;
  const version = uvarint(info, 32);
  if (!version) return undefined;
  const [versionLength, afterLength] = version;
  const goVersion = info.subarray(afterLength, afterLength + versionLength).toString('utf8');
  const mod = uvarint(info, afterLength + versionLength);
  if (!goVersion.startsWith('go')) return undefined;
  let text = '';
  if (mod) {
    const [modLength, start] = mod;
    const raw = info.subarray(start, start + modLength);
    // The module text is framed by 16-byte sentinels.
    text = (raw.length >= 32 ? raw.subarray(16, raw.length - 16) : raw).toString('utf8');
  }
  const modules: { path: string; version: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = (lines[i] as string).split('\t');
    if (parts[0] !== 'dep' && parts[0] !== 'mod') continue;
    let [, path, version] = parts;
    // A replaced module: the `=>` line that follows gives what was really built.
    const next = (lines[i + 1] ?? '').split('\t');
    if (next[0] === '=>' && next[2]) {
      path = next[1] ?? path;
      version = next[2];
      i++;
    }
    if (path && version && version !== '(devel)') modules.push({ path, version });
  }
  return { goVersion, modules };
}
