import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Robot } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { countAndPage, type Listed } from '../pagination.js';

export interface RobotAccess {
  readonly resource: string;
  readonly action: string;
}

/** Harbor's RobotPermission: for project `namespace` (or every project, `*`, at system level), these accesses. */
export interface RobotPermission {
  /** Always `project` (validated on input). */
  readonly kind: string;
  readonly namespace: string;
  readonly access: RobotAccess[];
}

export interface RobotInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly level: 'system' | 'project';
  /** Days until it expires; -1 for never. */
  readonly duration: number;
  readonly disable?: boolean | undefined;
  readonly permissions: readonly RobotPermission[];
}

export const robotPrefix = 'robot$';
const namePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const resources = new Set([
  'repository',
  'artifact',
  'tag',
  'scan',
  'scanner',
  'project',
  'metadata',
  'member',
  'log',
  'robot',
]);
const actions = new Set(['read', 'list', 'create', 'update', 'delete', 'pull', 'push']);

/** A 32-character secret from [A-Za-z0-9]. */
function newSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('');
}

function validatePermissions(level: RobotInput['level'], permissions: readonly RobotPermission[]): void {
  if (permissions.length === 0)
    throw new BerthError('INVALID_INPUT', 'a robot needs at least one permission');
  for (const permission of permissions) {
    if (permission.kind !== 'project')
      throw new BerthError(
        'INVALID_INPUT',
        `permission kind must be project, not ${String(permission.kind).slice(0, 40)}`,
      );
    if (level === 'project' && permissions.length !== 1)
      throw new BerthError('INVALID_INPUT', 'a project robot has permissions in exactly one project');
    if (permission.namespace === '*' && level !== 'system')
      throw new BerthError('INVALID_INPUT', 'only system robots may cover every project (*)');
    if (permission.access.length === 0)
      throw new BerthError(
        'INVALID_INPUT',
        `the permission for ${permission.namespace.slice(0, 60)} grants nothing`,
      );
    for (const access of permission.access) {
      if (!resources.has(access.resource) || !actions.has(access.action)) {
        throw new BerthError(
          'INVALID_INPUT',
          `unknown permission ${String(access.resource).slice(0, 40)}:${String(access.action).slice(0, 40)}`,
        );
      }
    }
  }
}

/**
 * Robot accounts for CI/CD: the secret is shown once and stored as an argon2id hash; expiry, disable
 * and secret refresh as Harbor has them.
 */
export class RobotService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {}

  /** Creates the robot; `projectId` for a project robot (named robot$<project>+<name>). Returns the row and the one-time secret. */
  async create(
    input: RobotInput,
    creatorId: number,
    project?: { id: number; name: string },
  ): Promise<{ robot: Robot; secret: string }> {
    if (!namePattern.test(input.name) || input.name.length > 128) {
      throw new BerthError(
        'INVALID_INPUT',
        'a robot name is lower-case letters, digits and . _ - between them',
      );
    }
    if (!Number.isInteger(input.duration) || (input.duration < 1 && input.duration !== -1)) {
      throw new BerthError('INVALID_INPUT', 'duration is a number of days, or -1 for never');
    }
    validatePermissions(input.level, input.permissions);
    const name =
      input.level === 'project'
        ? `${robotPrefix}${project?.name}+${input.name}`
        : `${robotPrefix}${input.name}`;
    const secret = newSecret();
    const now = this.ctx.now();
    const robot = await this.ctx.db
      .insertInto('robots')
      .values({
        name,
        description: input.description ?? '',
        level: input.level,
        project_id: project?.id ?? null,
        secret_hash: await hash(secret),
        permissions: JSON.stringify(input.permissions),
        duration_days: input.duration,
        expires_at: input.duration === -1 ? -1 : Math.floor(now / 1000) + input.duration * 86_400,
        disabled: input.disable ? 1 : 0,
        creator_id: creatorId,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!robot) throw new BerthError('CONFLICT', `a robot named ${name} exists already`);
    return { robot, secret };
  }

  async find(id: number): Promise<Robot | undefined> {
    return this.ctx.db.selectFrom('robots').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(
    filter: { projectId?: number | undefined; level?: string | undefined },
    page: number,
    pageSize: number,
  ): Promise<Listed<Robot>> {
    let base = this.ctx.db.selectFrom('robots');
    if (filter.projectId !== undefined) base = base.where('project_id', '=', filter.projectId);
    if (filter.level !== undefined) base = base.where('level', '=', filter.level as 'system' | 'project');
    return countAndPage(base, { page, pageSize }, (q) => q.selectAll().orderBy('id').execute());
  }

  async update(
    robot: Robot,
    changes: {
      description?: string | undefined;
      disable?: boolean | undefined;
      duration?: number | undefined;
      permissions?: readonly RobotPermission[] | undefined;
    },
  ): Promise<void> {
    if (changes.permissions) validatePermissions(robot.level, changes.permissions);
    const duration = changes.duration;
    if (duration !== undefined && (!Number.isInteger(duration) || (duration < 1 && duration !== -1))) {
      throw new BerthError('INVALID_INPUT', 'duration is a number of days, or -1 for never');
    }
    await this.ctx.db
      .updateTable('robots')
      .set((eb) => ({
        credential_version: eb('credential_version', '+', 1),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.disable !== undefined ? { disabled: changes.disable ? 1 : 0 } : {}),
        ...(changes.permissions ? { permissions: JSON.stringify(changes.permissions) } : {}),
        ...(duration !== undefined
          ? {
              duration_days: duration,
              expires_at: duration === -1 ? -1 : Math.floor(robot.created_at / 1000) + duration * 86_400,
            }
          : {}),
        updated_at: this.ctx.now(),
      }))
      .where('id', '=', robot.id)
      .execute();
    await this.ctx.signals.raise('credentials');
  }

  /** A new secret (returned once); the old one stops working. */
  async refreshSecret(robot: Robot, secret = newSecret()): Promise<string> {
    if (secret.length < 8 || !/[A-Z]/.test(secret) || !/[a-z]/.test(secret) || !/\d/.test(secret)) {
      throw new BerthError(
        'INVALID_INPUT',
        'a robot secret needs 8 or more characters with upper- and lower-case letters and a digit',
      );
    }
    const secretHash = await hash(secret);
    await this.ctx.db
      .updateTable('robots')
      .set((eb) => ({
        secret_hash: secretHash,
        credential_version: eb('credential_version', '+', 1),
        updated_at: this.ctx.now(),
      }))
      .where('id', '=', robot.id)
      .execute();
    await this.ctx.signals.raise('credentials');
    return secret;
  }

  async delete(robot: Robot): Promise<void> {
    await this.ctx.db.deleteFrom('robots').where('id', '=', robot.id).execute();
    await this.ctx.signals.raise('credentials');
  }

  /** The robot of this name, if it exists. */
  async findByName(name: string): Promise<Robot | undefined> {
    return this.ctx.db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** The robot these credentials belong to, if it is enabled, unexpired and the secret matches. */
  async authenticate(name: string, secret: string): Promise<Robot | undefined> {
    const robot = await this.ctx.db
      .selectFrom('robots')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!robot || robot.disabled === 1) return undefined;
    if (robot.expires_at !== -1 && robot.expires_at * 1000 <= this.ctx.now()) return undefined;
    return (await verify(robot.secret_hash, secret).catch(() => false)) ? robot : undefined;
  }
}

export function permissionsOf(robot: Robot): RobotPermission[] {
  return JSON.parse(robot.permissions) as RobotPermission[];
}
