#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig, redacted } from '../config/index.js';
import { BerthError } from '../lib/errors.js';
import { startServer } from '../main.js';
import { adminCommands } from './admin.js';
import { vulndbCommands } from './vulndb.js';

const program = new Command();
program.name('berth').description('Berth, an OCI container registry').showHelpAfterError();

program
  .command('serve')
  .description('run the registry')
  .option('-c, --config <file>', 'YAML configuration file (BERTH_* environment variables override it)')
  .action(async (options: { config?: string }) => {
    const config = loadConfig({ file: options.config, env: process.env });
    const server = await startServer(config);
    if (server.generatedAdminPassword) {
      console.error(
        `berth: created the system administrator "admin" with the password ${server.generatedAdminPassword}\n` +
          'berth: it is shown only this once; change it with PUT /api/v2.0/users/{id}/password',
      );
    }
    const stop = (signal: string) => {
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('berth: failed to shut down cleanly:', error);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

adminCommands(program);
vulndbCommands(program);

const config = program.command('config').description('configuration tools');
config
  .command('check')
  .description('validate the configuration and print it with defaults applied (secrets hidden)')
  .option('-c, --config <file>', 'YAML configuration file')
  .action((options: { config?: string }) => {
    console.log(JSON.stringify(redacted(loadConfig({ file: options.config, env: process.env })), null, 2));
  });

config
  .command('schema')
  .description('print the JSON Schema of the configuration file')
  .action(async () => {
    const { ConfigSchema } = await import('../config/index.js');
    console.log(JSON.stringify(ConfigSchema, null, 2));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`berth: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof BerthError) {
    console.error(`berth: ${error.message}`);
    process.exit(1);
  }
  console.error('berth:', error instanceof Error ? error.message : error);
  process.exit(1);
});
