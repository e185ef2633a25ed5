import path from 'node:path';
import type { ServiceContext } from '../../domain/context.js';
import { BerthError } from '../../lib/errors.js';
import { zipMembers } from '../../lib/zip.js';
import { type OsvRecord, parseOsvRecord } from './osv.js';
import type { Candidate, ImportResult, SourceStatus } from './vulndb.model.js';
import * as repo from './vulndb.repo.js';

export type { Candidate, ImportResult, SourceStatus } from './vulndb.model.js';

/** Largest record accepted from an archive; real OSV records are a few KiB. */
const memberLimit = 8 << 20;
/** Records written per transaction, so a long import never holds the database for long. */
const writeBatch = 200;

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

    const stored = await repo.storedModified(this.ctx.db, [...seen.keys()]);
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
        await repo.writeRecords(this.ctx.db, source, batch);
        batch = [];
      }
    }
    await repo.writeRecords(this.ctx.db, source, batch);
    await repo.recordImport(this.ctx.db, source, archive, this.ctx.now());
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
  status(): Promise<SourceStatus[]> {
    return repo.importStatus(this.ctx.db);
  }

  /** Every affected entry for these package names in this ecosystem, with its record. */
  candidates(ecosystem: string, names: readonly string[]): Promise<Candidate[]> {
    return repo.candidates(this.ctx.db, ecosystem, names);
  }
}
