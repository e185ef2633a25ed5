import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import {
  defaultRobotDays,
  type NewRobot,
  type RequestedPermission,
  type Robot,
  type RobotActor,
  type RobotChanges,
  type RobotLevel,
  type RobotPermission,
  robotPrefix,
} from './robot.model.js';
import {
  credentialsOf,
  deleteRobot,
  insertRobot,
  listRobots,
  type RobotListQuery,
  robotById,
  robotByName,
  updateRobot,
} from './robot.repo.js';

const namePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Harbor's bound: durations are days below 2^31 - 1. */
const maxDays = 2 ** 31 - 2;

/** What a robot service needs besides the database. */
export interface RobotServiceDeps {
  /** The project of this name, if it exists (robots name projects in their permissions). */
  readonly findProject: (name: string) => Promise<{ readonly id: number; readonly name: string } | undefined>;
  /** Whether Harbor's robot permission list holds this resource and action for the kind (auth/rbac.ts). */
  readonly accepts: (kind: 'system' | 'project', resource: string, action: string) => boolean;
}

/** A 32-character secret from [A-Za-z0-9] with at least one upper-case letter, lower-case letter and digit. */
function newSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    const secret = [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('');
    if (/[A-Z]/.test(secret) && /[a-z]/.test(secret) && /\d/.test(secret)) return secret;
  }
}

function assertSecretPolicy(secret: string): void {
  if (
    secret.length < 8 ||
    secret.length > 128 ||
    !/[A-Z]/.test(secret) ||
    !/[a-z]/.test(secret) ||
    !/\d/.test(secret)
  ) {
    throw new BerthError(
      'INVALID_INPUT',
      'the secret must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit',
    );
  }
}

/** Days until expiry (-1 never, 0 Harbor's default of 30) and when that is, counted from `from` (epoch ms). */
function lifetime(duration: number, from: number): { days: number; expiresAt: Date | undefined } {
  if (!Number.isInteger(duration) || duration < -1 || duration > maxDays)
    throw new BerthError(
      'INVALID_INPUT',
      `bad request error duration input: ${duration}, duration must be either -1(Never) or a positive integer`,
    );
  if (duration === -1) return { days: -1, expiresAt: undefined };
  const days = duration === 0 ? defaultRobotDays : duration;
  return { days, expiresAt: new Date((Math.floor(from / 1000) + days * 86_400) * 1000) };
}

/** Robots are managed by people (or the command line): a robot may look at robots, never create, change or delete one. */
function assertNotRobot(actor: RobotActor): void {
  if (actor.kind === 'robot')
    throw new BerthError('FORBIDDEN', 'robot accounts may not create, change or delete robot accounts');
}

/**
 * Robot accounts for CI/CD: the secret is shown once and stored as an argon2id hash; expiry, disable
 * and secret refresh as Harbor has them. The rules: a project robot has exactly one permission, in
 * its own project, and stays there; a system robot may hold system permissions (`kind: system`,
 * namespace `/`) and permissions in named projects or in all (`*`); every access is one of Harbor's
 * robot permissions for its kind; projects are remembered by id, so a project deleted and made again
 * under its name is not covered; robots never manage robots.
 */
export class RobotService {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>,
    private readonly deps: RobotServiceDeps,
  ) {}

  /**
   * Harbor's checks of a robot's permissions that need no lookup (before anyone is asked whether
   * the caller may act): a list, no empty access, one permission for a project robot, kinds system
   * or project (project robots: project only), a system permission's namespace `/`, and every access
   * one of Harbor's robot permissions for its kind.
   */
  validate(level: RobotLevel, requested: readonly RequestedPermission[]): void {
    if (requested.length === 0) throw new BerthError('INVALID_INPUT', 'bad request empty permission');
    if (requested.some((p) => p.access.length === 0))
      throw new BerthError('INVALID_INPUT', 'bad request empty access');
    if (level === 'project' && requested.length !== 1)
      throw new BerthError(
        'INVALID_INPUT',
        'bad request permission: a project robot has exactly one permission',
      );
    for (const permission of requested) {
      const kind = permission.kind;
      if (kind !== 'system' && kind !== 'project')
        throw new BerthError('INVALID_INPUT', `bad request permission level: ${String(kind).slice(0, 40)}`);
      for (const { resource, action } of permission.access) {
        if (!this.deps.accepts(kind, resource, action))
          throw new BerthError(
            'INVALID_INPUT',
            `bad request permission: ${String(resource).slice(0, 40)}:${String(action).slice(0, 40)}`,
          );
      }
      if (kind === 'system' && level === 'project')
        throw new BerthError(
          'INVALID_INPUT',
          'bad request permission: a project robot holds project permissions only',
        );
      if (kind === 'system' && permission.namespace !== '/')
        throw new BerthError('INVALID_INPUT', 'unknown namespace: a system permission’s namespace is /');
    }
  }

  /** Checks permissions as requested and resolves the projects they name (by id from then on). */
  private async permissions(
    level: RobotLevel,
    requested: readonly RequestedPermission[],
    project?: { id: number; name: string },
  ): Promise<RobotPermission[]> {
    this.validate(level, requested);
    const out: RobotPermission[] = [];
    for (const permission of requested) {
      const access = permission.access.map(({ resource, action }) => ({ resource, action }));
      if (permission.kind === 'system') {
        out.push({ kind: 'system', namespace: '/', access });
      } else if (permission.namespace === '*' && level === 'system') {
        out.push({ kind: 'project', namespace: '*', access });
      } else {
        const named =
          project && project.name === permission.namespace
            ? project
            : await this.deps.findProject(permission.namespace);
        if (!named)
          throw new BerthError('NOT_FOUND', `project ${permission.namespace.slice(0, 255)} not found`);
        out.push({ kind: 'project', namespace: named.name, projectId: named.id, access });
      }
    }
    return out;
  }

  /**
   * Creates the robot (named robot$<project>+<name> at project level, robot$<name> at system level)
   * and returns it with its secret, shown this once.
   */
  async create(actor: RobotActor, input: NewRobot): Promise<{ robot: Robot; secret: string }> {
    assertNotRobot(actor);
    if (!namePattern.test(input.name) || input.name.length > 128)
      throw new BerthError(
        'INVALID_INPUT',
        'robot name is not in lower case or contains illegal characters (lower-case letters, digits and . _ - between them)',
      );
    const now = this.ctx.now();
    const { days, expiresAt } = lifetime(input.duration, now);
    this.validate(input.level, input.permissions);
    let project: { id: number; name: string } | undefined;
    if (input.level === 'project') {
      const namespace = input.permissions[0]?.namespace ?? '';
      project = await this.deps.findProject(namespace);
      if (!project) throw new BerthError('NOT_FOUND', `project ${namespace.slice(0, 255)} not found`);
    }
    const permissions = await this.permissions(input.level, input.permissions, project);
    if (input.secret !== undefined) assertSecretPolicy(input.secret);
    const secret = input.secret ?? newSecret();
    const name = project ? `${robotPrefix}${project.name}+${input.name}` : `${robotPrefix}${input.name}`;
    const robot = await insertRobot(this.ctx.db, {
      name,
      description: input.description ?? '',
      level: input.level,
      projectId: project?.id ?? null,
      permissions,
      duration: days,
      expiresAt,
      disabled: input.disable ?? false,
      creatorId: actor.kind === 'user' ? actor.id : 0,
      secretHash: await hash(secret),
      now,
    });
    if (!robot) throw new BerthError('CONFLICT', `robot account ${name} already exists`);
    return { robot, secret };
  }

  async find(id: number): Promise<Robot | undefined> {
    return robotById(this.ctx.db, id);
  }

  /** The robot of this name, if it exists. */
  async findByName(name: string): Promise<Robot | undefined> {
    return robotByName(this.ctx.db, name);
  }

  async list(query: RobotListQuery): Promise<Listed<Robot>> {
    return listRobots(this.ctx.db, query);
  }

  /**
   * Changes description, disable, duration (counted from creation) and permissions. The name and the
   * level stay (sending them unchanged is fine); a project robot stays in its project.
   */
  async update(actor: RobotActor, robot: Robot, changes: RobotChanges): Promise<Robot> {
    assertNotRobot(actor);
    const bare = robot.name.slice(robotPrefix.length);
    const named =
      changes.name === undefined ||
      changes.name === robot.name ||
      changes.name === bare ||
      robot.name.endsWith(`+${changes.name}`);
    if (!named || (changes.level !== undefined && changes.level !== robot.level))
      throw new BerthError('INVALID_INPUT', 'cannot update the level or name of robot');
    let permissions: RobotPermission[] | undefined;
    if (changes.permissions) {
      const own = robot.permissions[0];
      if (robot.level === 'project' && changes.permissions.some((p) => p.namespace !== own?.namespace))
        throw new BerthError('INVALID_INPUT', 'a project robot stays in its project');
      permissions = await this.permissions(
        robot.level,
        changes.permissions,
        own?.projectId !== undefined ? { id: own.projectId, name: own.namespace } : undefined,
      );
    }
    const duration =
      changes.duration !== undefined && changes.duration !== robot.duration
        ? lifetime(changes.duration, robot.createdAt.getTime())
        : undefined;
    await updateRobot(
      this.ctx.db,
      robot.id,
      { description: changes.description, disabled: changes.disable, permissions, duration },
      this.ctx.now(),
    );
    await this.ctx.signals.raise('credentials');
    return (await this.find(robot.id)) ?? robot;
  }

  /**
   * A new secret; the old one stops working. A chosen secret must meet the password policy and is not
   * returned (the caller knows it); a generated one is returned this once.
   */
  async refreshSecret(actor: RobotActor, robot: Robot, chosen?: string): Promise<string | undefined> {
    assertNotRobot(actor);
    if (chosen !== undefined) assertSecretPolicy(chosen);
    const secret = chosen ?? newSecret();
    await updateRobot(this.ctx.db, robot.id, { secretHash: await hash(secret) }, this.ctx.now());
    await this.ctx.signals.raise('credentials');
    return chosen === undefined ? secret : undefined;
  }

  async delete(actor: RobotActor, robot: Robot): Promise<void> {
    assertNotRobot(actor);
    await deleteRobot(this.ctx.db, robot.id);
    await this.ctx.signals.raise('credentials');
  }

  /** The robot these credentials belong to, if it is enabled, unexpired and the secret matches. */
  async authenticate(name: string, secret: string): Promise<Robot | undefined> {
    const found = await credentialsOf(this.ctx.db, name);
    if (!found || found.robot.disabled) return undefined;
    const expiresAt = found.robot.expiresAt;
    if (expiresAt !== undefined && expiresAt.getTime() <= this.ctx.now()) return undefined;
    return (await verify(found.secretHash, secret).catch(() => false)) ? found.robot : undefined;
  }
}
