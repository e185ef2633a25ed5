import { parseApkInstalled } from './detectors/apk.js';
import { type OsPackage, parseDpkgStatus } from './detectors/dpkg.js';
import { parseGoBuildInfo } from './detectors/go.js';
import {
  isJavaArchive,
  isNpmLock,
  isNpmManifest,
  isPomProperties,
  isPythonMetadata,
  type NamedVersion,
  parseNpmLock,
  parseNpmManifest,
  parsePomProperties,
  parsePythonMetadata,
} from './detectors/language.js';
import { type OperatingSystem, osReleasePaths, parseOsRelease } from './detectors/os-release.js';
import { parseRpmDatabase, rpmdbPaths } from './detectors/rpm.js';
import type { FileSelector, ImageFiles } from './layers.js';
import type { InstalledPackage } from './matcher.js';

export type PackageType = 'os' | 'npm' | 'pypi' | 'go' | 'maven';

/** A package found in an image, with where it was found. */
export interface DetectedPackage extends InstalledPackage {
  readonly type: PackageType;
  /** The file it was read from (a path in the image). */
  readonly location: string;
}

export interface Detection {
  readonly os: OperatingSystem | undefined;
  readonly packages: DetectedPackage[];
}

const dpkgStatus = 'var/lib/dpkg/status';
const dpkgStatusDir = 'var/lib/dpkg/status.d/';
const apkInstalled = 'lib/apk/db/installed';

/** The files the detectors read; everything else in a layer streams past. */
export const scanSelector: FileSelector = {
  wants: (path) =>
    osReleasePaths.includes(path) ||
    path === dpkgStatus ||
    (path.startsWith(dpkgStatusDir) && !path.endsWith('.md5sums')) ||
    path === apkInstalled ||
    rpmdbPaths.includes(path) ||
    isNpmManifest(path) ||
    isNpmLock(path) ||
    isPythonMetadata(path) ||
    isPomProperties(path),
  maxFileBytes: 64 << 20,
  archives: { matches: isJavaArchive, wants: isPomProperties },
};

/**
 * The operating system and every package the detectors recognise in the image's final filesystem:
 * dpkg, apk and rpm (SQLite or Berkeley DB) databases (named by the OS's OSV ecosystem), npm (installed package.json files and lock
 * files), Python distributions, Go binaries (modules and the standard library) and Maven
 * pom.properties (loose, or inside Java archives and the archives inside them). A package found in several places is listed once, at the first.
 */
export function detectPackages(files: ImageFiles): Detection {
  const releaseFile = osReleasePaths.map((p) => files.get(p)).find((f) => f !== undefined);
  const os = releaseFile ? parseOsRelease(releaseFile.content.toString('utf8')) : undefined;
  const found = new Map<string, DetectedPackage>();
  const add = (pkg: DetectedPackage) => {
    const key = `${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`;
    if (!found.has(key)) found.set(key, pkg);
  };
  const osPackages = (list: OsPackage[], location: string, layer: string) => {
    for (const p of list)
      add({
        type: 'os',
        ecosystem: os?.ecosystem ?? os?.id ?? 'unknown',
        name: p.name,
        version: p.version,
        source: p.source,
        location,
        layer,
      });
  };
  const language = (
    type: PackageType,
    ecosystem: string,
    list: NamedVersion[],
    location: string,
    layer: string,
  ) => {
    for (const p of list) add({ type, ecosystem, name: p.name, version: p.version, location, layer });
  };

  for (const file of [...files.files.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  )) {
    const { path, layer, content } = file;
    if (path === dpkgStatus) osPackages(parseDpkgStatus(content.toString('utf8')), path, layer);
    else if (path.startsWith(dpkgStatusDir))
      osPackages(parseDpkgStatus(content.toString('utf8'), false), path, layer);
    else if (path === apkInstalled) osPackages(parseApkInstalled(content.toString('utf8')), path, layer);
    else if (rpmdbPaths.includes(path)) osPackages(parseRpmDatabase(content), path, layer);
    else if (isNpmLock(path)) language('npm', 'npm', parseNpmLock(content), path, layer);
    else if (isNpmManifest(path))
      language(
        'npm',
        'npm',
        [parseNpmManifest(content)].filter((p) => p !== undefined),
        path,
        layer,
      );
    else if (isPythonMetadata(path))
      language(
        'pypi',
        'PyPI',
        [parsePythonMetadata(content)].filter((p) => p !== undefined),
        path,
        layer,
      );
    else if (isPomProperties(path))
      language(
        'maven',
        'Maven',
        [parsePomProperties(content)].filter((p) => p !== undefined),
        path,
        layer,
      );
  }
  for (const binary of files.goBinaries) {
    const build = parseGoBuildInfo(binary.buildInfo);
    if (!build) continue;
    const location = `${binary.path} (Go build info)`;
    language(
      'go',
      'Go',
      [
        { name: 'stdlib', version: build.goVersion },
        ...build.modules.map((m) => ({ name: m.path, version: m.version })),
      ],
      location,
      binary.layer,
    );
  }
  return { os, packages: [...found.values()] };
}
