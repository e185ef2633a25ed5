import { stanzas } from './dpkg.js';

export interface NamedVersion {
  readonly name: string;
  readonly version: string;
}

const nodeModulesManifest = /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/;
export const isNpmManifest = (path: string) => nodeModulesManifest.test(path);
export const isNpmLock = (path: string) =>
  /(^|\/)(package-lock|npm-shrinkwrap)\.json$/.test(path) && !path.includes('node_modules/');
export const isPythonMetadata = (path: string) =>
  /\.dist-info\/METADATA$/.test(path) || /\.egg-info(\/PKG-INFO)?$/.test(path);
/** Java archives: jars, web and enterprise archives (Spring Boot and WAR libraries are jars inside them). */
export const isJavaArchive = (path: string) => /\.(jar|war|ear|par|sar|jpi|hpi)$/i.test(path);
export const isPomProperties = (path: string) =>
  /(^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(path);

function json(content: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An installed npm package's own package.json. */
export function parseNpmManifest(content: Buffer): NamedVersion | undefined {
  const manifest = json(content);
  return typeof manifest?.name === 'string' && typeof manifest.version === 'string'
    ? { name: manifest.name, version: manifest.version }
    : undefined;
}

/** Every package a lock file pins: `packages` (lockfile v2 and v3) or the nested `dependencies` (v1). */
export function parseNpmLock(content: Buffer): NamedVersion[] {
  const lock = json(content);
  if (!lock) return [];
  const out: NamedVersion[] = [];
  const packages = lock.packages;
  if (typeof packages === 'object' && packages !== null) {
    for (const [key, value] of Object.entries(
      packages as Record<string, { version?: unknown; name?: unknown; link?: unknown }>,
    )) {
      if (!key.includes('node_modules/') || value.link === true || typeof value.version !== 'string')
        continue;
      const name =
        typeof value.name === 'string' ? value.name : key.slice(key.lastIndexOf('node_modules/') + 13);
      out.push({ name, version: value.version });
    }
    return out;
  }
  const walk = (deps: unknown) => {
    if (typeof deps !== 'object' || deps === null) return;
    for (const [name, value] of Object.entries(
      deps as Record<string, { version?: unknown; dependencies?: unknown }>,
    )) {
      if (typeof value.version === 'string' && !value.version.includes(':'))
        out.push({ name, version: value.version });
      walk(value.dependencies);
    }
  };
  walk(lock.dependencies);
  return out;
}

/** Name and version of a Python distribution (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`). */
export function parsePythonMetadata(content: Buffer): NamedVersion | undefined {
  const header = stanzas(content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '')[0];
  const name = header?.get('Name');
  const version = header?.get('Version');
  return name && version ? { name, version } : undefined;
}

/** groupId:artifactId and version of a `META-INF/maven/<group>/<artifact>/pom.properties`. */
export function parsePomProperties(content: Buffer): NamedVersion | undefined {
  const props = new Map<string, string>();
  for (const line of content.toString('utf8').split(/\r?\n/)) {
    const match = /^\s*([^#!=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (match) props.set(match[1] as string, (match[2] as string).trim());
  }
  const group = props.get('groupId');
  const artifact = props.get('artifactId');
  const version = props.get('version');
  return group && artifact && version ? { name: `${group}:${artifact}`, version } : undefined;
}
