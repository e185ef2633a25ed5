import path from 'node:path';
import type { ServiceContext } from '../../domain/context.js';
import { BerthError } from '../../lib/errors.js';
import { zipMembers } from '../../lib/zip.js';
import type { Severity } from './cvss.js';
import { type Affected, type OsvRecord, parseOsvRecord } from './osv.js';

export interface ImportResult {
  readonly source: string;
  readonly archive: string;
  readonly records: number;
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
}

export interface SourceStatus {
  readonly source: string;
  readonly importedAt: number;
  readonly records: number;
}

/** An affected entry of a record, with what a report shows of the record. */
export interface Candidate extends Affected {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly severity: Severity;
  readonly score: number | undefined;
  readonly summary: string;
  readonly references: readonly string[];
}

/** Largest record accepted from an archive; real OSV records are a few KiB. */
const memberLimit = 8 << 20;
/** Records written per transaction, so a long import never holds the database for long. */
const writeBatch = 200;
const lookupBatch = 500;

/** The archive's source name: the folder of an OSV bucket layout (`…/Debian/all.zip`), else the file name. */
function sourceOf(file: string): string {
  const base = path.basename(file);
  return base === 'all.zip' ? path.basename(path.dirname(file)) : base.replace(/\.zip$/i, '');
}

/**
 * The vulnerability database in Berth's own database: OSV records imported from per-ecosystem
 * `all.zip` archives, their affected packages indexed by ecosystem and name. An import reads the
 * whole archive first and changes nothing when any member is not a valid OSV record (the error names
 * it); then it writes only records newer than what is stored (by `modified`), in short batches.
 */
export class VulnDbService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>) {}

  async importArchive(file: string, source = sourceOf(file)): Promise<ImportResult> {
    const archive = path.basename(file);
    const fail = (where: string, error: unknown): never => {
      throw new BerthError(
        'INVALID_INPUT',
        `${file}: ${where}: ${error instanceof Error ? error.message : String(error)}; nothing was imported`,
      );
    };
    // Pass 1: every member must be a record; keep each id's modified time.
    const seen = new Map<string, number>();
    try {
      for await (const member of zipMembers(file)) {
        if (!member.name.endsWith('.json')) continue;
        let record: OsvRecord;
        try {
          record = parseOsvRecord(JSON.parse((await member.read(memberLimit)).toString('utf8')));
        } catch (error) {
          return fail(member.name, error);
        }
        seen.set(record.id, record.modified);
      }
    } catch (error) {
      if (error instanceof BerthError) throw error;
      return fail('not a readable zip archive', error);
    }

    const stored = await this.storedModified([...seen.keys()]);
    // Some sources write a zero time (0001-01-01) as `modified`: a record not stored yet is always written.
    const isNewer = (id: string, modified: number) => {
      const known = stored.get(id);
      return known === undefined || known < modified;
    };
    const wanted = new Set([...seen].filter(([id, modified]) => isNewer(id, modified)).map(([id]) => id));

    // Pass 2: write what is new or newer.
    let batch: OsvRecord[] = [];
    for await (const member of zipMembers(file)) {
      if (!member.name.endsWith('.json')) continue;
      const record = parseOsvRecord(JSON.parse((await member.read(memberLimit)).toString('utf8')));
      if (!wanted.has(record.id)) continue;
      wanted.delete(record.id);
      batch.push(record);
      if (batch.length >= writeBatch) {
        await this.write(source, batch);
        batch = [];
      }
    }
    await this.write(source, batch);
    const now = this.ctx.now();
    const total = await this.ctx.db
      .selectFrom('vuln_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source', '=', source)
      .executeTakeFirstOrThrow();
    await this.ctx.db
      .insertInto('vulndb_imports')
      .values({ source, imported_at: now, records: Number(total.n), archive })
      .onConflict((oc) =>
        oc.column('source').doUpdateSet({ imported_at: now, records: Number(total.n), archive }),
      )
      .execute();
    const added = [...seen.keys()].filter((id) => !stored.has(id)).length;
    const updated = [...seen].filter(([id, modified]) => stored.has(id) && isNewer(id, modified)).length;
    const result = {
      source,
      archive,
      records: seen.size,
      added,
      updated,
      unchanged: seen.size - added - updated,
    };
    this.ctx.logger.info({ module: 'vulndb', ...result }, 'imported vulnerability records');
    return result;
  }

  /** When each source was last imported and how many records it holds. */
  async status(): Promise<SourceStatus[]> {
    const rows = await this.ctx.db.selectFrom('vulndb_imports').selectAll().orderBy('source').execute();
    return rows.map((r) => ({ source: r.source, importedAt: r.imported_at, records: r.records }));
  }

  /** Every affected entry for these package names in this ecosystem, with its record. */
  async candidates(ecosystem: string, names: readonly string[]): Promise<Candidate[]> {
    const unique = [...new Set(names)];
    const out: Candidate[] = [];
    for (let i = 0; i < unique.length; i += lookupBatch) {
      const rows = await this.ctx.db
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

  private async storedModified(ids: readonly string[]): Promise<Map<string, number>> {
    const stored = new Map<string, number>();
    for (let i = 0; i < ids.length; i += lookupBatch) {
      const rows = await this.ctx.db
        .selectFrom('vuln_records')
        .select(['id', 'modified'])
        .where('id', 'in', ids.slice(i, i + lookupBatch))
        .execute();
      for (const row of rows) stored.set(row.id, Number(row.modified));
    }
    return stored;
  }

  private async write(source: string, records: readonly OsvRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ctx.db.transaction().execute(async (tx) => {
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
}
