import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { ScanDetails, ScanReport, ScanStatus, ScanTarget, VulnerabilitySummary } from './scan.model.js';
import type { Severity } from './vulndb/cvss.js';

type Db = Kysely<Database>;

/** What a report row is written with. */
export interface ReportValues {
  readonly report_id: string;
  readonly status: ScanStatus;
  readonly started_at: number;
  readonly finished_at: number | null;
  readonly error: string | null;
  readonly severity?: string;
  readonly summary?: string;
  readonly report?: string;
}

/** Writes the report as Pending unless a successful one stands (which keeps standing until replaced). */
export async function markReportPending(db: Db, digest: string, scanner: string, values: ReportValues) {
  await db
    .insertInto('scan_reports')
    .values({ digest, scanner, ...values })
    .onConflict((oc) =>
      oc.columns(['digest', 'scanner']).doUpdateSet(values).where('scan_reports.status', '!=', 'Success'),
    )
    .execute();
}

/** Writes the digest's report of this scanner, replacing what was there. */
export async function storeReport(db: Db, digest: string, scanner: string, values: ReportValues) {
  await db
    .insertInto('scan_reports')
    .values({ digest, scanner, ...values })
    .onConflict((oc) => oc.columns(['digest', 'scanner']).doUpdateSet(values))
    .execute();
}

/** Notes beside a standing report that its rescan failed. */
export async function noteReportError(db: Db, digest: string, scanner: string, error: string) {
  await db
    .updateTable('scan_reports')
    .set({ error })
    .where('digest', '=', digest)
    .where('scanner', '=', scanner)
    .execute();
}

/** Marks the digest's Pending report Stopped (its scan was taken off the queue). */
export async function stopPendingReport(db: Db, digest: string, scanner: string, now: number) {
  await db
    .updateTable('scan_reports')
    .set({ status: 'Stopped', finished_at: now })
    .where('digest', '=', digest)
    .where('scanner', '=', scanner)
    .where('status', '=', 'Pending')
    .execute();
}

export async function reportsOf(
  db: Db,
  digests: readonly string[],
  scanner: string,
): Promise<Map<string, ScanReport>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('scan_reports')
    .selectAll()
    .where('scanner', '=', scanner)
    .where('digest', 'in', [...new Set(digests)])
    .execute();
  return new Map(
    rows.map((r) => [
      r.digest,
      {
        digest: r.digest,
        reportId: r.report_id,
        scanner: r.scanner,
        status: r.status as ScanStatus,
        severity: r.severity as Severity,
        summary: JSON.parse(r.summary) as VulnerabilitySummary,
        startedAt: new Date(Number(r.started_at)),
        finishedAt: r.finished_at === null ? undefined : new Date(Number(r.finished_at)),
        error: r.error ?? undefined,
      },
    ]),
  );
}

/** The findings of the digest's last successful scan by this scanner. */
export async function successfulDetails(
  db: Db,
  digest: string,
  scanner: string,
): Promise<ScanDetails | undefined> {
  const row = await db
    .selectFrom('scan_reports')
    .select('report')
    .where('digest', '=', digest)
    .where('scanner', '=', scanner)
    .where('status', '=', 'Success')
    .executeTakeFirst();
  return row?.report ? (JSON.parse(row.report) as ScanDetails) : undefined;
}

/** The manifest as the repository stores it: media type, bytes, size and push time. */
export async function storedManifest(
  db: Db,
  repository: string,
  digest: string,
): Promise<{ mediaType: string; content: Buffer; size: number; createdAt: Date } | undefined> {
  const row = await db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select(['m.content', 'm.media_type', 'm.size', 'm.created_at'])
    .where('r.name', '=', repository)
    .where('m.digest', '=', digest)
    .executeTakeFirst();
  return (
    row && {
      mediaType: row.media_type,
      content: row.content,
      size: Number(row.size),
      createdAt: new Date(Number(row.created_at)),
    }
  );
}

/** Every image and index in the registry (not their referrers), each with one repository that holds it. */
export async function allArtifacts(db: Db): Promise<ScanTarget[]> {
  const rows = await db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select(['m.digest', (eb) => eb.fn.min('r.name').as('repository')])
    .where('m.subject_digest', 'is', null)
    .groupBy('m.digest')
    .execute();
  return rows.map((r) => ({ digest: r.digest, repository: String(r.repository) }));
}

/** Every digest with a report of this scanner, and one repository that holds it. */
export async function scannedArtifacts(db: Db, scanner: string): Promise<ScanTarget[]> {
  const rows = await db
    .selectFrom('scan_reports as s')
    .innerJoin('manifests as m', 'm.digest', 's.digest')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select(['s.digest', (eb) => eb.fn.min('r.name').as('repository')])
    .where('s.scanner', '=', scanner)
    .groupBy('s.digest')
    .execute();
  return rows.map((r) => ({ digest: r.digest, repository: String(r.repository) }));
}
