import type { ProjectService } from '../domain/project/index.js';
import { projectPolicies, systemPolicies } from './rbac.js';
import type { SecurityContext } from './security-context.js';

/** A permission as GET /users/current/permissions answers it: a resource path (or relative name) and an action. */
export interface ScopedPermission {
  readonly resource: string;
  readonly action: string;
}

/**
 * What the caller may do in a scope, as Harbor's GET /users/current/permissions answers: the scope
 * `/system` (anything starting with it) or `/project/<id>` (an id, never a name); each candidate
 * permission of the scope's namespace that the caller's can() allows, as `/project/1/repository`
 * (the project itself is `/project/1`) or `/system/user`. With `relative`, resources are written
 * relative to the scope (`repository`, `.` for the scope itself) and those outside it are left out.
 * A missing or unknown scope gives nothing. Administrators get every candidate, even for a project
 * that does not exist; others nothing in a project they cannot see.
 */
export async function permissionsIn(
  security: SecurityContext,
  projects: Pick<ProjectService, 'find'>,
  scope: string | undefined,
  relative: boolean,
): Promise<ScopedPermission[]> {
  if (!scope) return [];
  let granted: ScopedPermission[] = [];
  const project = /^\/project\/([^/]*)\/?/.exec(scope);
  if (project) {
    const idText = project[1] ?? '';
    if (!/^-?\d{1,18}$/.test(idText)) return [];
    const id = Number(idText);
    const prefix = `/project/${id}`;
    const candidates = projectPolicies().map((p) => ({
      ...p,
      path: p.resource === 'project' ? prefix : `${prefix}/${p.resource}`,
    }));
    if (security.isSysAdmin) {
      granted = candidates.map((c) => ({ resource: c.path, action: c.action }));
    } else {
      const found = await projects.find(id);
      if (!found || !(await security.canSee(found))) return [];
      for (const candidate of candidates)
        if (await security.can(found, candidate.resource, candidate.action))
          granted.push({ resource: candidate.path, action: candidate.action });
    }
  } else if (scope.startsWith('/system')) {
    granted = systemPolicies
      .filter((p) => security.canSystem(p.resource, p.action))
      .map((p) => ({ resource: `/system/${p.resource}`, action: p.action }));
  } else {
    return [];
  }
  if (!relative) return granted;
  return granted.flatMap((p) => {
    if (!p.resource.startsWith(scope)) return [];
    const rest = p.resource.slice(scope.length).replace(/^\//, '');
    return [{ resource: rest === '' ? '.' : rest, action: p.action }];
  });
}
