import type { Severity } from './cvss.js';
import type { Affected } from './osv.js';

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
  readonly importedAt: Date;
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
