/** Harbor's severities, highest first. */
export const severities = ['Critical', 'High', 'Medium', 'Low', 'None', 'Unknown'] as const;
export type Severity = (typeof severities)[number];

const weights = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** CVSS v3.1 round-up to one decimal, as the specification defines it (integer arithmetic). */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

/** The base score of a CVSS v3.0/v3.1 vector (`CVSS:3.1/AV:N/AC:L/…`), or undefined when it is not one. */
export function cvss3BaseScore(vector: string): number | undefined {
  const parts = vector.trim().split('/');
  if (!/^CVSS:3\.[01]$/.test(parts[0] ?? '')) return undefined;
  const metrics = new Map(parts.slice(1).map((p) => p.split(':') as [string, string]));
  const get = <K extends keyof typeof weights>(key: K) =>
    (weights[key] as Record<string, number>)[metrics.get(key) ?? ''];
  const scope = metrics.get('S');
  const av = get('AV');
  const ac = get('AC');
  const ui = get('UI');
  const pr = { N: 0.85, L: scope === 'C' ? 0.68 : 0.62, H: scope === 'C' ? 0.5 : 0.27 }[
    metrics.get('PR') ?? ''
  ];
  const cia = ['C', 'I', 'A'].map((k) => (weights.C as Record<string, number>)[metrics.get(k) ?? '']);
  if (av === undefined || ac === undefined || ui === undefined || pr === undefined) return undefined;
  if ((scope !== 'U' && scope !== 'C') || cia.some((v) => v === undefined)) return undefined;
  const [c, i, a] = cia as [number, number, number];
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * av * ac * pr * ui;
  return scope === 'U'
    ? roundUp(Math.min(impact + exploitability, 10))
    : roundUp(Math.min(1.08 * (impact + exploitability), 10));
}

/** The qualitative rating of a CVSS v3 score. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'None';
}

/** A vendor's word for a severity (GHSA's MODERATE, Red Hat's Important, Ubuntu's medium …) in Harbor's terms. */
export function severityOfLabel(label: string): Severity | undefined {
  switch (label.trim().toLowerCase()) {
    case 'critical':
      return 'Critical';
    case 'high':
    case 'important':
      return 'High';
    case 'medium':
    case 'moderate':
      return 'Medium';
    case 'low':
    case 'negligible':
      return 'Low';
    case 'none':
      return 'None';
    default:
      return undefined;
  }
}
