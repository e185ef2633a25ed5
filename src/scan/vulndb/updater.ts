import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ImportResult, VulnDbService } from './vulndb.service.js';

export interface UpdaterOptions {
  /** Where `<ecosystem>/all.zip` archives are served (OSV's public bucket, or a mirror). */
  readonly mirrorUrl: string;
  readonly ecosystems: readonly string[];
}

export interface UpdateOutcome {
  readonly results: ImportResult[];
  readonly failures: { ecosystem: string; error: string }[];
  /** Whether any record was added or changed (scans should then be redone). */
  readonly changed: boolean;
}

/**
 * Fetches each ecosystem's OSV archive from the mirror (streamed to a temporary file, never held in
 * memory) and imports it. A source that fails is reported and the others still update; the import of
 * each archive is all-or-nothing as `VulnDbService.importArchive` makes it.
 */
export class VulnDbUpdater {
  constructor(
    private readonly vulndb: VulnDbService,
    private readonly logger: Logger,
    private readonly options: UpdaterOptions,
  ) {}

  async update(): Promise<UpdateOutcome> {
    const results: ImportResult[] = [];
    const failures: { ecosystem: string; error: string }[] = [];
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-osv-'));
    try {
      for (const ecosystem of this.options.ecosystems) {
        const url = `${this.options.mirrorUrl.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}/all.zip`;
        try {
          const response = await fetch(url);
          if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
          const file = path.join(dir, `${ecosystem.replace(/[^A-Za-z0-9._-]/g, '_')}.zip`);
          await pipeline(
            Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
            createWriteStream(file),
          );
          results.push(await this.vulndb.importArchive(file, ecosystem));
          await rm(file, { force: true });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ ecosystem, error: message });
          this.logger.warn(
            { module: 'vulndb', ecosystem, err: error },
            'failed to update a vulnerability source',
          );
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (failures.length > 0 && results.length === 0)
      throw new Error(
        `no vulnerability source could be updated: ${failures.map((f) => `${f.ecosystem}: ${f.error}`).join('; ')}`,
      );
    return { results, failures, changed: results.some((r) => r.added + r.updated > 0) };
  }
}
