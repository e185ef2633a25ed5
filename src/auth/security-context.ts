import type { MemberService } from '../domain/member/index.js';
import type { Project } from '../domain/project/index.js';
import type { RobotPermission } from '../domain/robot/index.js';
import {
  type Action,
  allows,
  publicPolicy,
  type Resource,
  rolePolicies,
  type SystemResource,
} from './rbac.js';
import type { Access } from './scopes.js';

/**
 * The name prefix of a scanner adapter pulling an image it was asked to scan. Neither user names
 * (no `$`) nor robots (`robot$`) can take it, so a pull by one is known to be a scan's.
 */
export const scannerPrefix = 'scanner$';

export interface UserPrincipal {
  readonly kind: 'user';
  readonly id: number;
  readonly username: string;
  readonly sysadmin: boolean;
  /** The user's credential version: tokens issued now name it, and stop working when it moves. */
  readonly credentialVersion: number;
}

/** A robot account: it may do exactly what its permissions list, in the projects they name. */
export interface RobotPrincipal {
  readonly kind: 'robot';
  readonly id: number;
  readonly username: string;
  readonly sysadmin: false;
  readonly permissions: readonly RobotPermission[];
  readonly credentialVersion: number;
}

/**
 * A scanner adapter, for the life of its pull token: it may pull exactly the repositories the token
 * names, on /v2 only (the management API knows it as nobody).
 */
export interface ScannerPrincipal {
  readonly kind: 'scanner';
  readonly username: string;
  readonly sysadmin: false;
  readonly access: readonly Access[];
}

export type Principal = UserPrincipal | RobotPrincipal | ScannerPrincipal;

/**
 * Who is calling, and what they may do: one object per request, produced by the authenticator chain,
 * asked by every surface through can(). Project roles are looked up once per project per request.
 */
export class SecurityContext {
  private readonly roles = new Map<number, Promise<number[]>>();

  constructor(
    readonly principal: Principal | undefined,
    private readonly members: Pick<MemberService, 'rolesOf'>,
  ) {}

  get isAuthenticated(): boolean {
    return this.principal !== undefined;
  }

  get isSysAdmin(): boolean {
    return this.principal?.sysadmin ?? false;
  }

  get username(): string {
    return this.principal?.username ?? 'anonymous';
  }

  /** The caller's roles in the project (robots hold none: they have permissions). */
  projectRoles(project: Project): Promise<number[]> {
    if (this.principal?.kind !== 'user') return Promise.resolve([]);
    let roles = this.roles.get(project.id);
    if (!roles) {
      roles = this.members.rolesOf(project.id, this.principal.id);
      this.roles.set(project.id, roles);
    }
    return roles;
  }

  /**
   * Whether the project is visible to the caller at all: public, or the caller holds a role in it or
   * (a robot) any permission there. Without this, the API answers as if the project did not exist.
   */
  async canSee(project: Project): Promise<boolean> {
    if (this.isSysAdmin || project.public) return true;
    if (this.principal?.kind === 'scanner') return false;
    if (this.principal?.kind === 'robot') return this.principal.permissions.some((p) => covers(p, project));
    return (await this.projectRoles(project)).length > 0;
  }

  async can(project: Project, resource: Resource, action: Action): Promise<boolean> {
    if (this.isSysAdmin) return true;
    if (project.public && allows(publicPolicy, resource, action)) return true;
    if (this.principal?.kind === 'scanner') return false;
    if (this.principal?.kind === 'robot') {
      return this.principal.permissions.some(
        (p) => covers(p, project) && p.access.some((a) => a.resource === resource && a.action === action),
      );
    }
    const roles = await this.projectRoles(project);
    return roles.some((role) => allows(rolePolicies[role], resource, action));
  }

  /**
   * Whether the caller may do `action` on a resource of the system namespace (users, system robots,
   * scanners, audit logs …): administrators may do anything, a robot what its `kind: system`
   * permissions list; other users nothing (Harbor gives them no system permission).
   */
  canSystem(resource: SystemResource, action: Action): boolean {
    if (this.isSysAdmin) return true;
    if (this.principal?.kind !== 'robot') return false;
    return this.principal.permissions.some(
      (p) => p.kind === 'system' && p.access.some((a) => a.resource === resource && a.action === action),
    );
  }
}

/**
 * Whether a robot's permission is one in the project: every project (`*`), or the project it named
 * when it was given (by id: a project deleted and made again under the name is another project).
 */
function covers(permission: RobotPermission, project: Project): boolean {
  if (permission.kind !== 'project') return false;
  if (permission.namespace === '*') return true;
  return permission.projectId !== undefined
    ? permission.projectId === project.id
    : permission.namespace === project.name;
}
