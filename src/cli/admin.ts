import type { Command } from 'commander';
import { robotMayHold, TokenService } from '../auth/index.js';
import type { connectDatabase } from '../db/index.js';
import type { CacheSignals } from '../domain/cache-signals.js';
import { ProjectService } from '../domain/project/index.js';
import { RobotService } from '../domain/robot/index.js';
import { generatePassword, UserService } from '../domain/user/index.js';
import { withDatabase } from './database.js';
import { gcCommand } from './gc.js';

type Db = Awaited<ReturnType<typeof connectDatabase>>['db'];

const tokenService = (ctx: { db: Db; now: () => number }) =>
  new TokenService(ctx.db, { issuer: 'berth', expirySeconds: 300, now: ctx.now });

const robotService = (ctx: { db: Db; now: () => number; signals: CacheSignals }) => {
  const projects = new ProjectService(ctx);
  return new RobotService(ctx, { findProject: (name) => projects.find(name), accepts: robotMayHold });
};

/** The command line acts for the system, as an administrator who is no user. */
const cli = { sysadmin: true } as const;

/** `berth admin …`: user and project chores against the configured database, without the server. */
export function adminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'administer users, projects, robot accounts and signing keys in the configured database, and run garbage collection',
    );
  gcCommand(admin);

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
        await users.changePassword(cli, user.id, password);
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
        const kid = await tokenService(ctx).rotate();
        console.log(`new signing key ${kid}; running servers sign with it within a minute`);
      });
    });

  admin
    .command('retire-signing-keys')
    .description(
      'retire every signing key but the newest: tokens they signed stop working within a minute (after a leak)',
    )
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const retired = await tokenService(ctx).retireOlder();
        console.log(retired.length ? `retired ${retired.join(', ')}` : 'no older key to retire');
      });
    });

  admin
    .command('list-signing-keys')
    .description('list the registry token signing keys, newest first')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        for (const key of await tokenService(ctx).keys()) {
          const retired =
            key.retiredAt === null ? 'active' : `retired ${new Date(key.retiredAt).toISOString()}`;
          console.log(`${key.kid}  created ${new Date(key.createdAt).toISOString()}  ${retired}`);
        }
      });
    });

  admin
    .command('create-robot')
    .description('create a robot account and print its secret (shown once)')
    .argument('<name>', 'the name; robot$<project>+<name> with --project, else robot$<name>')
    .option('--project <project>', 'a project robot of this project (default: a system robot)')
    .option(
      '--permission <resource:action...>',
      'what it may do, e.g. repository:pull repository:push artifact:delete',
      ['repository:pull'],
    )
    .option('--namespace <project>', 'for a system robot: the project its permissions cover', '*')
    .option('--duration <days>', 'days until it expires, -1 for never', '-1')
    .option('--description <text>', 'what it is for')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(
      async (
        name: string,
        options: {
          project?: string;
          permission: string[];
          namespace: string;
          duration: string;
          description?: string;
          config?: string;
        },
      ) => {
        await withDatabase(options.config, async (ctx) => {
          const project = options.project ? await new ProjectService(ctx).find(options.project) : undefined;
          if (options.project && !project) throw new Error(`no project named ${options.project}`);
          const access = options.permission.map((p) => {
            const [resource, action] = p.split(':');
            if (!resource || !action) throw new Error(`permission ${p} is not resource:action`);
            return { resource, action };
          });
          const { robot, secret } = await robotService(ctx).create(
            { kind: 'system' },
            {
              name,
              level: project ? 'project' : 'system',
              duration: Number(options.duration),
              description: options.description,
              permissions: [{ kind: 'project', namespace: project?.name ?? options.namespace, access }],
            },
          );
          console.log(`created ${robot.name} (id ${robot.id})`);
          console.log(`secret: ${secret}`);
        });
      },
    );

  admin
    .command('list-robots')
    .description('list robot accounts with their permissions')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const { items } = await robotService(ctx).list({
          scope: undefined,
          filters: {},
          sorts: [{ field: 'id', desc: false }],
          page: 1,
          pageSize: 100_000,
        });
        for (const robot of items) {
          const grants = robot.permissions
            .map((p) => `${p.namespace}: ${p.access.map((a) => `${a.resource}:${a.action}`).join(' ')}`)
            .join('; ');
          const state = robot.disabled
            ? 'disabled'
            : robot.expiresAt === undefined
              ? 'never expires'
              : `expires ${robot.expiresAt.toISOString()}`;
          console.log(`${robot.id}  ${robot.name}  ${state}  ${grants}`);
        }
      });
    });

  admin
    .command('delete-robot')
    .description('delete a robot account by id (see list-robots)')
    .argument('<id>', 'the robot id')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (id: string, options: { config?: string }) => {
      await withDatabase(options.config, async (ctx) => {
        const robots = robotService(ctx);
        const robot = /^\d+$/.test(id) ? await robots.find(Number(id)) : undefined;
        if (!robot) throw new Error(`no robot with id ${id}`);
        await robots.delete({ kind: 'system' }, robot);
        console.log(`deleted ${robot.name}`);
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
