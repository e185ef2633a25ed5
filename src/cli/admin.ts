import type { Command } from 'commander';
import { TokenService } from '../auth/index.js';
import { databaseUrl, loadConfig } from '../config/index.js';
import { connectDatabase, migrateToLatest } from '../db/index.js';
import { ProjectService } from '../domain/project/index.js';
import { generatePassword, UserService } from '../domain/user/index.js';

async function withDatabase<T>(
  configFile: string | undefined,
  work: (ctx: { db: Awaited<ReturnType<typeof connectDatabase>>['db']; now: () => number }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: configFile, env: process.env });
  const database = await connectDatabase(databaseUrl(config), { poolSize: 2 });
  try {
    await migrateToLatest(database);
    return await work({ db: database.db, now: Date.now });
  } finally {
    await database.close();
  }
}

/** `berth admin …`: user and project chores against the configured database, without the server. */
export function adminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description('administer users and projects in the configured database');

  admin
    .command('reset-password')
    .description('set a user’s password (a generated one is printed when --password is not given)')
    .argument('<username>', 'the user, e.g. admin')
    .option(
      '-p, --password <password>',
      'the new password (8-128 characters, upper- and lower-case letters and a digit)',
    )
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (username: string, options: { password?: string; config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const users = new UserService(ctx);
        const user = await users.findByName(username);
        if (!user) throw new Error(`no user named ${username}`);
        const password = options.password ?? generatePassword();
        await users.changePassword(user.id, password);
        console.log(
          options.password ? `password of ${username} changed` : `password of ${username} is now ${password}`,
        );
      });
    });

  admin
    .command('rotate-signing-key')
    .description(
      'add a new key for registry tokens; tokens signed by older keys stay valid until they expire',
    )
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const kid = await new TokenService(ctx.db, {
          issuer: 'berth',
          expirySeconds: 300,
          now: ctx.now,
        }).rotate();
        console.log(`new signing key ${kid}; running servers sign with it after their next restart`);
      });
    });

  admin
    .command('create-user')
    .description('create a local user')
    .argument('<username>')
    .requiredOption('-p, --password <password>', 'the password')
    .option('-e, --email <email>', 'email address')
    .option('--sysadmin', 'make the user a system administrator')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(
      async (
        username: string,
        options: { password: string; email?: string; sysadmin?: boolean; config?: string },
      ) => {
        await withDatabase(options.config, async (ctx) => {
          const user = await new UserService(ctx).create({
            username,
            password: options.password,
            email: options.email,
            sysadmin: options.sysadmin,
          });
          console.log(
            `created user ${user.username} (id ${user.id})${user.sysadmin ? ' as a system administrator' : ''}`,
          );
        });
      },
    );

  admin
    .command('create-project')
    .description('create a project owned by a user')
    .argument('<name>')
    .option('--owner <username>', 'the owner', 'admin')
    .option('--public', 'allow anonymous pulls')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (name: string, options: { owner: string; public?: boolean; config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const owner = await new UserService(ctx).findByName(options.owner);
        if (!owner) throw new Error(`no user named ${options.owner}`);
        const project = await new ProjectService(ctx).create(name, owner.id, {
          public: options.public ? 'true' : 'false',
        });
        console.log(`created project ${project.name} (id ${project.id})${options.public ? ', public' : ''}`);
      });
    });
}
