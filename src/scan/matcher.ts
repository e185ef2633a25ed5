import { compareVersions, type VersionScheme } from './versions/index.js';
import { type Severity, severities } from './vulndb/cvss.js';
import { type Affected, normalizePackageName, type RangeEvent } from './vulndb/osv.js';
import type { Candidate, VulnDbService } from './vulndb/vulndb.service.js';

/** A package found in an image: its OSV ecosystem (`Debian:12`, `npm`, …), name and installed version. */
export interface InstalledPackage {
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  /** The name advisories use when it differs (a Debian or Ubuntu binary package's source package). */
  readonly source?: string | undefined;
  /** The digest of the layer the package came from. */
  readonly layer?: string | undefined;
}

export interface Finding {
  /** The CVE when the record (or an alias) is one, else the OSV id. */
  readonly id: string;
  /** Every OSV record folded into this finding. */
  readonly osvIds: string[];
  readonly package: string;
  readonly version: string;
  readonly fixVersion: string | undefined;
  readonly severity: Severity;
  readonly score: number | undefined;
  readonly description: string;
  readonly links: string[];
  readonly layer: string | undefined;
  /** What an external scanner's report adds: the CVSS v3 vector, CWE ids, its own attributes. */
  readonly vector?: string | undefined;
  readonly cweIds?: string[] | undefined;
  readonly vendorAttributes?: Record<string, unknown> | undefined;
}

/** How an ecosystem orders versions (the range type SEMVER always means SemVer). */
export function schemeOf(ecosystem: string): VersionScheme | undefined {
  const base = ecosystem.split(':')[0] ?? '';
  if (base === 'Debian' || base === 'Ubuntu') return 'dpkg';
  if (base === 'Alpine') return 'apk';
  if (['AlmaLinux', 'Rocky Linux', 'Red Hat', 'openSUSE', 'SUSE', 'Mageia', 'openEuler'].includes(base))
    return 'rpm';
  if (base === 'npm' || base === 'Go') return 'semver';
  if (base === 'PyPI') return 'pep440';
  if (base === 'Maven') return 'maven';
  return undefined;
}

const eventVersion = (e: RangeEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';

/**
 * Whether the version is affected by the entry: listed in `versions`, or inside an ECOSYSTEM or
 * SEMVER range (GIT ranges name commits, not versions). Events are applied in version order, as the
 * OSV schema specifies: introduced opens, fixed and last_affected close. Returns the fix that closes
 * the range the version is in, when there is one.
 */
export function affects(
  entry: Pick<Affected, 'ranges' | 'versions' | 'ecosystem'>,
  version: string,
): { affected: boolean; fixed: string | undefined } {
  const ecosystemScheme = schemeOf(entry.ecosystem);
  let listed = entry.versions.includes(version);
  let fixed: string | undefined;
  for (const range of entry.ranges) {
    const scheme =
      range.type === 'SEMVER' ? 'semver' : range.type === 'ECOSYSTEM' ? ecosystemScheme : undefined;
    if (!scheme) continue;
    const compare = (a: string, b: string) => {
      if (a === '0') return b === '0' ? 0 : -1;
      if (b === '0') return 1;
      return compareVersions(scheme, a, b);
    };
    let events: RangeEvent[];
    try {
      events = [...range.events].sort((a, b) => compare(eventVersion(a), eventVersion(b)));
    } catch {
      continue;
    }
    let vulnerable = false;
    let closing: string | undefined;
    try {
      for (const event of events) {
        if (event.introduced !== undefined && compare(version, event.introduced) >= 0) vulnerable = true;
        else if (event.fixed !== undefined && compare(version, event.fixed) >= 0) vulnerable = false;
        else if (event.last_affected !== undefined && compare(version, event.last_affected) > 0)
          vulnerable = false;
      }
      if (vulnerable)
        closing = events.find((e) => e.fixed !== undefined && compare(version, e.fixed) < 0)?.fixed;
    } catch {
      continue;
    }
    if (vulnerable) {
      listed = true;
      fixed ??= closing;
    }
  }
  return { affected: listed, fixed };
}

const rank = (s: Severity) => severities.indexOf(s);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The id a finding is reported under: the record's CVE (itself or an alias), else its own id. */
function reportedId(candidate: Candidate): string {
  if (candidate.id.startsWith('CVE-')) return candidate.id;
  return candidate.aliases.find((a) => a.startsWith('CVE-')) ?? candidate.id;
}

/**
 * The vulnerabilities affecting the packages, one finding per CVE (or OSV id) per package and version:
 * records that are aliases of one another fold into one, keeping the highest known severity.
 */
export async function findVulnerabilities(
  db: VulnDbService,
  packages: readonly InstalledPackage[],
): Promise<Finding[]> {
  const byEcosystem = new Map<string, InstalledPackage[]>();
  for (const pkg of packages) {
    const list = byEcosystem.get(pkg.ecosystem) ?? [];
    list.push(pkg);
    byEcosystem.set(pkg.ecosystem, list);
  }
  const findings = new Map<string, Finding>();
  for (const [ecosystem, installed] of byEcosystem) {
    const candidates = await db.candidates(
      ecosystem,
      installed.map((p) => normalizePackageName(ecosystem, p.source ?? p.name)),
    );
    const byName = new Map<string, Candidate[]>();
    for (const c of candidates) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    for (const pkg of installed) {
      for (const candidate of byName.get(normalizePackageName(ecosystem, pkg.source ?? pkg.name)) ?? []) {
        const { affected, fixed } = affects(candidate, pkg.version);
        if (!affected) continue;
        const id = reportedId(candidate);
        const key = `${pkg.name}\u0000${pkg.version}\u0000${id}`;
        const existing = findings.get(key);
        if (!existing) {
          findings.set(key, {
            id,
            osvIds: [candidate.id],
            package: pkg.name,
            version: pkg.version,
            fixVersion: fixed,
            severity: candidate.severity,
            score: candidate.score,
            description: candidate.summary,
            links: [...candidate.references],
            layer: pkg.layer,
          });
          continue;
        }
        const better = rank(candidate.severity) < rank(existing.severity);
        findings.set(key, {
          ...existing,
          osvIds: existing.osvIds.includes(candidate.id)
            ? existing.osvIds
            : [...existing.osvIds, candidate.id].sort(),
          fixVersion: existing.fixVersion ?? fixed,
          severity: better ? candidate.severity : existing.severity,
          score: better ? candidate.score : existing.score,
          description: existing.description || candidate.summary,
        });
      }
    }
  }
  return [...findings.values()].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      byCodePoint(a.package, b.package) ||
      byCodePoint(a.version, b.version) ||
      byCodePoint(a.id, b.id),
  );
}
