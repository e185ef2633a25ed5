import type { ProjectService } from '../domain/project/index.js';
import { type Access, covers, type Scope } from './scopes.js';
import type { SecurityContext } from './security-context.js';

/**
 * What a caller may do of what they asked on the registry: the `access` of a token, or the check of a
 * Basic-authenticated or anonymous /v2 request. A repository belongs to the project named by its first
 * path component; an unknown project grants nothing.
 */
export class RegistryAccess {
  constructor(private readonly projects: ProjectService) {}

  async grant(context: SecurityContext, scopes: readonly Scope[]): Promise<Access[]> {
    const granted: Access[] = [];
    const principal = context.principal;
    if (principal?.kind === 'scanner') {
      // A scanner's pull token names what it may pull; it asks for nothing more.
      for (const scope of scopes) {
        const actions = scope.actions.filter((a) => covers(principal.access, scope.type, scope.name, a));
        if (actions.length > 0) granted.push({ ...scope, actions });
      }
      return granted;
    }
    for (const scope of scopes) {
      if (scope.type === 'registry') {
        // The catalog is Harbor's system catalog:read: administrators, and system robots holding it.
        if (context.canSystem('catalog', 'read')) granted.push(scope);
        continue;
      }
      const project = await this.projects.ownerOf(scope.name);
      if (!project) {
        // Administrators may do anything: the registry then tells them the project does not exist
        // (a push is refused before any byte is taken). Everyone else gets nothing, as for a private project.
        if (context.isSysAdmin)
          granted.push({ type: 'repository', name: scope.name, actions: scope.actions });
        continue;
      }
      const actions: string[] = [];
      for (const action of scope.actions) {
        const allowed =
          action === 'pull'
            ? await context.can(project, 'repository', 'pull')
            : action === 'push'
              ? await context.can(project, 'repository', 'push')
              : action === 'delete' && (await context.can(project, 'artifact', 'delete'));
        if (allowed) actions.push(action);
      }
      if (actions.length > 0) granted.push({ type: 'repository', name: scope.name, actions });
    }
    return granted;
  }
}
