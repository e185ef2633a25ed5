import { cvss3BaseScore, type Severity, severityOfLabel, severityOfScore } from './cvss.js';

/** One event of an OSV range. */
export interface RangeEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

export interface Range {
  readonly type: string;
  readonly events: readonly RangeEvent[];
}

/** One affected[] entry: the package (ecosystem and name) and the versions it concerns. */
export interface Affected {
  readonly ecosystem: string;
  readonly name: string;
  readonly ranges: readonly Range[];
  readonly versions: readonly string[];
}

/** What Berth keeps of an OSV record (https://ossf.github.io/osv-schema/). */
export interface OsvRecord {
  readonly id: string;
  readonly modified: number;
  readonly published: number | undefined;
  readonly summary: string;
  readonly aliases: readonly string[];
  readonly severity: Severity;
  readonly score: number | undefined;
  readonly affected: readonly Affected[];
  readonly references: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

/** PEP 503 normalisation of Python project names; other ecosystems compare names as they are. */
export function normalizePackageName(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

function time(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${field} is not an RFC 3339 time`);
  return ms;
}

/**
 * The record's severity: a CVSS v3 vector in `severity[]` gives the score and its rating; otherwise a
 * vendor's label (`database_specific.severity`, an `Ubuntu` severity entry, an affected entry's
 * `ecosystem_specific.severity`); otherwise Unknown.
 */
function severityOf(record: Json, affected: unknown[]): { severity: Severity; score: number | undefined } {
  const entries = [
    ...(Array.isArray(record.severity) ? record.severity : []),
    ...affected.flatMap((a) => (isObject(a) && Array.isArray(a.severity) ? a.severity : [])),
  ].filter(isObject);
  for (const entry of entries) {
    if (entry.type === 'CVSS_V3' && typeof entry.score === 'string') {
      const score = cvss3BaseScore(entry.score);
      if (score !== undefined) return { severity: severityOfScore(score), score };
    }
  }
  const labels = [
    isObject(record.database_specific) ? record.database_specific.severity : undefined,
    ...entries
      .filter((e) => e.type !== 'CVSS_V3' && e.type !== 'CVSS_V4' && e.type !== 'CVSS_V2')
      .map((e) => e.score),
    ...affected.map((a) =>
      isObject(a) && isObject(a.ecosystem_specific) ? a.ecosystem_specific.severity : undefined,
    ),
  ];
  for (const label of labels) {
    const severity = typeof label === 'string' ? severityOfLabel(label) : undefined;
    if (severity) return { severity, score: undefined };
  }
  return { severity: 'Unknown', score: undefined };
}

/** Reads one OSV record; throws with the field at fault when it is not one. */
export function parseOsvRecord(json: unknown): OsvRecord {
  if (!isObject(json)) throw new Error('not a JSON object');
  if (typeof json.id !== 'string' || json.id === '') throw new Error('id is missing');
  const modified = time(json.modified, 'modified');
  const published = json.published === undefined ? undefined : time(json.published, 'published');
  const rawAffected = json.affected === undefined ? [] : json.affected;
  if (!Array.isArray(rawAffected)) throw new Error('affected is not a list');
  const affected: Affected[] = [];
  rawAffected.forEach((entry, i) => {
    if (!isObject(entry)) throw new Error(`affected[${i}] is not an object`);
    const pkg = entry.package;
    // Entries without a package name a commit range of a repository: nothing an image scan can match.
    if (!isObject(pkg)) return;
    if (typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string')
      throw new Error(`affected[${i}].package needs an ecosystem and a name`);
    const ranges = entry.ranges === undefined ? [] : entry.ranges;
    if (!Array.isArray(ranges)) throw new Error(`affected[${i}].ranges is not a list`);
    affected.push({
      ecosystem: pkg.ecosystem,
      name: normalizePackageName(pkg.ecosystem, pkg.name),
      ranges: ranges.map((range, r) => {
        if (!isObject(range) || typeof range.type !== 'string' || !Array.isArray(range.events))
          throw new Error(`affected[${i}].ranges[${r}] needs a type and events`);
        return {
          type: range.type,
          events: range.events.filter(isObject).map((e) => {
            const event: Record<string, string> = {};
            for (const key of ['introduced', 'fixed', 'last_affected', 'limit'])
              if (typeof e[key] === 'string') event[key] = e[key] as string;
            return event as RangeEvent;
          }),
        };
      }),
      versions: strings(entry.versions),
    });
  });
  const { severity, score } = severityOf(json, rawAffected);
  return {
    id: json.id,
    modified,
    published,
    summary:
      typeof json.summary === 'string'
        ? json.summary
        : typeof json.details === 'string'
          ? json.details.slice(0, 500)
          : '',
    aliases: strings(json.aliases),
    severity,
    score,
    affected,
    references: Array.isArray(json.references)
      ? json.references
          .filter(isObject)
          .map((r) => r.url)
          .filter((u): u is string => typeof u === 'string')
      : [],
  };
}
