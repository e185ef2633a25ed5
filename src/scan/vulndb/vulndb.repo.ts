import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { Severity } from './cvss.js';
import type { OsvRecord } from './osv.js';
import type { Candidate, SourceStatus } from './vulndb.model.js';

type Db = Kysely<Database>;

const lookupBatch = 500;

/** Each record's stored `modified` time (epoch ms), for these ids. */
export async function storedModified(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  const stored = new Map<string, number>();
  for (let i = 0; i < ids.length; i += lookupBatch) {
    const rows = await db
      .selectFrom('vuln_records')
      .select(['id', 'modified'])
      .where('id', 'in', ids.slice(i, i + lookupBatch))
      .execute();
    for (const row of rows) stored.set(row.id, Number(row.modified));
  }
  return stored;
}

/** Writes the records of a source (replacing their affected entries), in one transaction. */
export async function writeRecords(db: Db, source: string, records: readonly OsvRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.transaction().execute(async (tx) => {
    const ids = records.map((r) => r.id);
    await tx.deleteFrom('vuln_affected').where('record_id', 'in', ids).execute();
    for (const record of records) {
      const values = {
        source,
        modified: record.modified,
        published: record.published ?? null,
        summary: record.summary,
        aliases: JSON.stringify(record.aliases),
        severity: record.severity,
        score: record.score ?? null,
        reference_urls: JSON.stringify(record.references),
      };
      await tx
        .insertInto('vuln_records')
        .values({ id: record.id, ...values })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
    }
    const affected = records.flatMap((record) =>
      record.affected.map((a) => ({
        record_id: record.id,
        ecosystem: a.ecosystem,
        package: a.name,
        ranges: JSON.stringify(a.ranges),
        versions: JSON.stringify(a.versions),
      })),
    );
    for (let i = 0; i < affected.length; i += 100) {
      await tx
        .insertInto('vuln_affected')
        .values(affected.slice(i, i + 100))
        .execute();
    }
  });
}

/** Records that an import of the source finished now, with the source's record count; answers the count. */
export async function recordImport(db: Db, source: string, archive: string, now: number): Promise<number> {
  const total = await db
    .selectFrom('vuln_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source', '=', source)
    .executeTakeFirstOrThrow();
  const records = Number(total.n);
  await db
    .insertInto('vulndb_imports')
    .values({ source, imported_at: now, records, archive })
    .onConflict((oc) => oc.column('source').doUpdateSet({ imported_at: now, records, archive }))
    .execute();
  return records;
}

export async function importStatus(db: Db): Promise<SourceStatus[]> {
  const rows = await db.selectFrom('vulndb_imports').selectAll().orderBy('source').execute();
  return rows.map((r) => ({
    source: r.source,
    importedAt: new Date(Number(r.imported_at)),
    records: Number(r.records),
  }));
}

/** Every affected entry for these package names in this ecosystem, with its record. */
export async function candidates(db: Db, ecosystem: string, names: readonly string[]): Promise<Candidate[]> {
  const unique = [...new Set(names)];
  const out: Candidate[] = [];
  for (let i = 0; i < unique.length; i += lookupBatch) {
    const rows = await db
      .selectFrom('vuln_affected as a')
      .innerJoin('vuln_records as r', 'r.id', 'a.record_id')
      .select([
        'a.record_id',
        'a.ecosystem',
        'a.package',
        'a.ranges',
        'a.versions',
        'r.aliases',
        'r.severity',
        'r.score',
        'r.summary',
        'r.reference_urls',
      ])
      .where('a.ecosystem', '=', ecosystem)
      .where('a.package', 'in', unique.slice(i, i + lookupBatch))
      .execute();
    for (const r of rows) {
      out.push({
        id: r.record_id,
        ecosystem: r.ecosystem,
        name: r.package,
        ranges: JSON.parse(r.ranges),
        versions: JSON.parse(r.versions),
        aliases: JSON.parse(r.aliases),
        severity: r.severity as Severity,
        score: r.score ?? undefined,
        summary: r.summary,
        references: JSON.parse(r.reference_urls),
      });
    }
  }
  return out;
}
