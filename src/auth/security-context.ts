import type { Project } from '../db/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { type Action, allows, publicPolicy, type Resource, rolePolicies } from './rbac.js';

export interface Principal {
  readonly kind: 'user';
  readonly id: number;
  readonly username: string;
  readonly sysadmin: boolean;
}

/**
 * Who is calling, and what they may do: one object per request, produced by the authenticator chain,
 * asked by every surface through can(). Project roles are looked up once per project per request.
 */
export class SecurityContext {
  private readonly roles = new Map<number, Promise<number[]>>();

  constructor(
    readonly principal: Principal | undefined,
    private readonly projects: ProjectService,
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

  /** The caller's roles in the project. */
  projectRoles(project: Project): Promise<number[]> {
    if (!this.principal) return Promise.resolve([]);
    let roles = this.roles.get(project.id);
    if (!roles) {
      roles = this.projects.rolesOf(project.id, this.principal.id);
      this.roles.set(project.id, roles);
    }
    return roles;
  }

  async can(project: Project, resource: Resource, action: Action): Promise<boolean> {
    if (this.isSysAdmin) return true;
    if (project.public === 1 && allows(publicPolicy, resource, action)) return true;
    const roles = await this.projectRoles(project);
    return roles.some((role) => allows(rolePolicies[role], resource, action));
  }
}
