import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action, Resource } from '../auth/index.js';
import type { Project, ProjectService, Visibility } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';

export const NameOrId = Type.Object({ project_name_or_id: Type.String({ minLength: 1, maxLength: 255 }) });

export const IsResourceName = Type.Object({
  'x-is-resource-name': Type.Optional(
    Type.Boolean({ description: 'treat project_name_or_id as a name even when numeric' }),
  ),
});

/**
 * The project named in the path (by id, or by name when not numeric or with X-Is-Resource-Name),
 * or NOT_FOUND when it does not exist or the caller may not see it: a private project's existence is
 * never revealed.
 */
export async function visibleProject(
  projects: ProjectService,
  request: FastifyRequest,
  nameOrId: string,
  byName = String(request.headers['x-is-resource-name']) === 'true' || !/^\d+$/.test(nameOrId),
): Promise<Project> {
  const project = await projects.find(byName ? nameOrId : Number(nameOrId));
  if (!project || !(await request.security.canSee(project))) {
    throw new BerthError('NOT_FOUND', `project ${nameOrId.slice(0, 255)} not found`);
  }
  return project;
}

/**
 * The project, when the caller may see it (else NOT_FOUND) and may do `action` on `resource` in it
 * (else UNAUTHORIZED for anonymous callers, who might sign in, and FORBIDDEN for the others).
 */
export async function authorizedProject(
  projects: ProjectService,
  request: FastifyRequest,
  nameOrId: string,
  resource: Resource,
  action: Action,
  byName?: boolean,
): Promise<Project> {
  const project = await visibleProject(projects, request, nameOrId, byName);
  if (!(await request.security.can(project, resource, action))) {
    if (!request.security.isAuthenticated) throw new BerthError('UNAUTHORIZED', 'authentication is required');
    throw new BerthError('FORBIDDEN', `you may not ${action} ${resource} in project ${project.name}`);
  }
  return project;
}

/**
 * Whose view a list shows: everything for administrators (undefined); public projects and the user's
 * own for a user; public ones and those its permissions name for a robot; public ones for everyone else.
 */
export function visibilityOf(request: FastifyRequest): Visibility | undefined {
  const principal = request.security.principal;
  if (request.security.isSysAdmin) return undefined;
  if (principal?.kind === 'user') return { userId: principal.id };
  if (principal?.kind === 'robot') {
    const project = principal.permissions.filter((p) => p.kind === 'project');
    if (project.some((p) => p.namespace === '*')) return { projectNames: '*' };
    // By id where the robot remembers it: a project deleted and made again under the name is not its.
    return { projectIds: project.flatMap((p) => (p.projectId === undefined ? [] : [p.projectId])) };
  }
  return {};
}
