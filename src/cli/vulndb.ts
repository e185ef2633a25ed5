import type { Command } from 'commander';
import pino from 'pino';
import { VulnDbService } from '../scan/vulndb/vulndb.service.js';
import { withDatabase } from './database.js';

/** `berth vulndb …`: the vulnerability database, offline (air-gapped sites import OSV archives here). */
export function vulndbCommands(program: Command): void {
  const vulndb = program
    .command('vulndb')
    .description('the vulnerability database in the configured database');

  vulndb
    .command('import')
    .description(
      'import OSV archives (<ecosystem>/all.zip from the OSV bucket or a mirror); only newer records are written, and a broken archive changes nothing',
    )
    .argument('<files...>', 'zip archives of OSV records, e.g. Debian/all.zip')
    .option('--source <name>', 'the source name to record (default: the folder of all.zip, or the file name)')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (files: string[], options: { source?: string; config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const service = new VulnDbService({ ...ctx, logger: pino({ level: 'warn' }) });
        for (const file of files) {
          const result = await service.importArchive(file, options.source);
          console.log(
            `${result.source}: ${result.records} records in ${result.archive} (${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged)`,
          );
        }
      });
    });

  vulndb
    .command('status')
    .description('what each source holds and when it was imported')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const sources = await new VulnDbService({ ...ctx, logger: pino({ level: 'warn' }) }).status();
        if (sources.length === 0) console.log('no vulnerability records imported yet');
        for (const s of sources)
          console.log(`${s.source}: ${s.records} records, imported ${new Date(s.importedAt).toISOString()}`);
      });
    });
}
