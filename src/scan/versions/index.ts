import { compare as comparePep440, valid as validPep440 } from '@renovatebot/pep440';
import semver from 'semver';
import { compareApk } from './apk.js';
import { compareDpkg } from './dpkg.js';
import { compareMaven } from './maven.js';
import { compareRpm } from './rpm.js';

export type VersionScheme = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'pep440' | 'maven';

/** A SemVer version from what Go and npm write: `v1.2.3`, `go1.21`, `1.21` (missing parts are 0). */
function toSemver(version: string): semver.SemVer | null {
  const trimmed = version.trim().replace(/^(v|go)/, '');
  const parsed = semver.parse(trimmed, { loose: true });
  if (parsed) return parsed;
  const short = /^(\d+)(?:\.(\d+))?(.*)$/.exec(trimmed);
  if (!short) return null;
  const [, major, minor, rest] = short;
  return (
    semver.parse(`${major}.${minor ?? 0}.0${rest ?? ''}`, { loose: true }) ??
    semver.parse(`${major}.${minor ?? 0}.0`)
  );
}

/** Orders two versions of one scheme; throws for a version the scheme cannot read. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number {
  switch (scheme) {
    case 'dpkg':
      return compareDpkg(a, b);
    case 'apk':
      return compareApk(a, b);
    case 'rpm':
      return compareRpm(a, b);
    case 'maven':
      return compareMaven(a, b);
    case 'pep440': {
      if (!validPep440(a) || !validPep440(b))
        throw new Error(`not a PEP 440 version: ${validPep440(a) ? b : a}`);
      return Math.sign(comparePep440(a, b));
    }
    case 'semver': {
      const x = toSemver(a);
      const y = toSemver(b);
      if (!x || !y) throw new Error(`not a SemVer version: ${x ? b : a}`);
      return semver.compare(x, y);
    }
  }
}

export { compareApk, compareDpkg, compareMaven, compareRpm };
