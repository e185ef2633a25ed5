import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { Term } from '../domain/query.js';
import type { Robot, RobotActor, RobotField, RobotListQuery, RobotService } from '../domain/robot/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report, requireAuthenticated, requireSystemAccess } from './context.js';
import { robotCreatedResponse, robotResponse } from './presenters/robot.js';
import { authorizedProject } from './project-access.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import {
  errorResponses,
  RobotCreate,
  RobotCreated,
  Robot as RobotSchema,
  RobotSec,
  RobotUpdate,
  ref,
} from './schemas/index.js';

export interface RobotRoutesDeps {
  readonly robots: RobotService;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

const RobotId = Type.Object({ robot_id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

/** Harbor's q keys of robots (columns and Go field names); Level and ProjectID choose which robots. */
const robotKeys: Readonly<Record<string, RobotField>> = {
  id: 'id',
  ID: 'id',
  name: 'name',
  Name: 'name',
  description: 'description',
  Description: 'description',
  duration: 'duration',
  Duration: 'duration',
  expiresat: 'expiresAt',
  ExpiresAt: 'expiresAt',
  disabled: 'disabled',
  Disabled: 'disabled',
  creation_time: 'createdAt',
  CreationTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
};

/** The project a project robot belongs to (its one permission's namespace). */
const projectNameOf = (robot: Robot): string | undefined =>
  robot.level === 'project' ? robot.permissions[0]?.namespace : undefined;

/** Who manages robots: the user, a robot (whom the service refuses) or nobody (never reaches here). */
function actorOf(request: FastifyRequest): RobotActor {
  const principal = request.security.principal;
  if (principal?.kind === 'user') return { kind: 'user', id: principal.id };
  if (principal?.kind === 'robot') return { kind: 'robot', id: principal.id };
  throw new BerthError('UNAUTHORIZED', 'authentication is required');
}

/**
 * Which robots `q` asks for, as Harbor reads it: `Level=project,ProjectID=<id>` a project's, and
 * `Level=system` or no Level the system robots (a ProjectID without Level is then ignored). Level and
 * ProjectID are exact values (the names are Harbor's, case and all); the other keys filter.
 */
function listQueryOf(q: string | undefined): Pick<RobotListQuery, 'scope' | 'filters'> {
  const { level, projectId, ...filters } = filtersOf(q, {
    ...robotKeys,
    Level: 'level',
    ProjectID: 'projectId',
  } as const);
  const exact = (term: Term | undefined) => (term?.kind === 'exact' ? term.value : undefined);
  if (level === undefined) return { scope: { level: 'system' }, filters };
  const value = exact(level);
  if (value !== 'system' && value !== 'project')
    throw new BerthError('INVALID_INPUT', 'bad request error level input: Level is system or project');
  if (value === 'system') return { scope: { level: 'system' }, filters };
  if (projectId === undefined)
    throw new BerthError('INVALID_INPUT', 'must with project ID when to query project robots');
  const id = exact(projectId);
  if (id === undefined || !/^\d{1,15}$/.test(id) || Number(id) < 1)
    throw new BerthError('INVALID_INPUT', 'ProjectID must be a positive integer');
  return { scope: { level: 'project', projectId: Number(id) }, filters };
}

export const robotRoutes: FastifyPluginAsyncTypebox<RobotRoutesDeps> = async (
  app,
  { robots, projects, events },
) => {
  /**
   * Whether the caller may do `action` on robots of the level (and project): a project's robots by
   * the project's robot permission, system robots by the system one (administrators, system robots
   * holding it). A project the caller cannot see is NOT_FOUND.
   */
  async function authorize(
    request: FastifyRequest,
    level: 'system' | 'project',
    projectId: number | null,
    action: Action,
  ): Promise<void> {
    if (level === 'project' && projectId !== null) {
      await authorizedProject(projects, request, String(projectId), 'robot', action, false);
      return;
    }
    requireSystemAccess(request, 'robot', action);
  }

  /**
   * The robot, when the caller may do `action` on it. A robot that does not exist, a system robot
   * (for those without the system permission) and one in a project the caller cannot see get the
   * same answer, so the API never tells an outsider, signed in or not, which robots exist or where.
   */
  async function robotFor(request: FastifyRequest, id: number, action: Action): Promise<Robot> {
    const hidden = new BerthError('NOT_FOUND', `robot ${id} not found`);
    const robot = await robots.find(id);
    if (!robot) throw hidden;
    if (robot.level === 'system' && !request.security.canSystem('robot', 'read')) throw hidden;
    try {
      await authorize(request, robot.level, robot.projectId, action);
    } catch (error) {
      if (error instanceof BerthError && error.code === 'NOT_FOUND') throw hidden;
      throw error;
    }
    return robot;
  }

  app.post(
    '/robots',
    {
      schema: {
        tags: ['robot'],
        summary: 'Create a robot account; the answer carries its secret, shown only this once',
        body: ref(RobotCreate),
        response: { 201: ref(RobotCreated), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAuthenticated(request);
      const body = request.body;
      // Harbor checks the permissions' shape first (it reveals nothing), then who may create.
      robots.validate(body.level, body.permissions);
      if (body.level === 'project') {
        const namespace = body.permissions[0]?.namespace ?? '';
        await authorizedProject(projects, request, namespace, 'robot', 'create', true);
      } else {
        requireSystemAccess(request, 'robot', 'create');
      }
      const { robot, secret } = await robots.create(actorOf(request), body);
      report(events, request, {
        operation: 'create',
        resourceType: 'robot',
        resource: robot.name,
        projectName: projectNameOf(robot),
      });
      reply.header('Location', `/api/v2.0/robots/${robot.id}`);
      return reply.code(201).send(robotCreatedResponse(robot, secret));
    },
  );

  app.get(
    '/robots',
    {
      schema: {
        tags: ['robot'],
        summary:
          'List robots: the system’s (q=Level=system or no Level) or a project’s (q=Level=project,ProjectID=N)',
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(RobotSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const { scope, filters } = listQueryOf(query.q);
      const sorts = sortsOf(query.sort, robotKeys);
      // An administrator asking for a project that does not exist gets an empty list, as in Harbor.
      if (!(scope?.level === 'project' && request.security.isSysAdmin))
        await authorize(
          request,
          scope?.level ?? 'system',
          scope?.level === 'project' ? scope.projectId : null,
          'list',
        );
      const { total, items } = await robots.list({
        scope,
        filters,
        sorts,
        page: query.page,
        pageSize: query.page_size,
      });
      pageHeaders(request, reply, query, total);
      return items.map(robotResponse);
    },
  );

  app.get(
    '/robots/:robot_id',
    {
      schema: {
        tags: ['robot'],
        summary: 'Get a robot',
        params: RobotId,
        response: { 200: ref(RobotSchema), ...errorResponses },
      },
    },
    async (request) => robotResponse(await robotFor(request, request.params.robot_id, 'read')),
  );

  app.put(
    '/robots/:robot_id',
    {
      schema: {
        tags: ['robot'],
        summary: 'Update a robot’s description, expiry, permissions or disable it',
        params: RobotId,
        body: ref(RobotUpdate),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const robot = await robotFor(request, request.params.robot_id, 'update');
      const body = request.body;
      await robots.update(actorOf(request), robot, { ...body, duration: body.duration ?? undefined });
      report(events, request, {
        operation: 'update',
        resourceType: 'robot',
        resource: robot.name,
        projectName: projectNameOf(robot),
      });
      return empty(reply, 200);
    },
  );

  app.patch(
    '/robots/:robot_id',
    {
      schema: {
        tags: ['robot'],
        summary: 'Refresh a robot’s secret: a chosen one (not echoed) or a generated one, returned once',
        params: RobotId,
        body: ref(RobotSec),
        response: { 200: ref(RobotSec), ...errorResponses },
      },
    },
    async (request) => {
      const robot = await robotFor(request, request.params.robot_id, 'update');
      const secret = await robots.refreshSecret(actorOf(request), robot, request.body.secret || undefined);
      report(events, request, {
        operation: 'update',
        resourceType: 'robot',
        resource: robot.name,
        projectName: projectNameOf(robot),
        description: 'secret refreshed',
      });
      return secret === undefined ? {} : { secret };
    },
  );

  app.delete(
    '/robots/:robot_id',
    {
      schema: {
        tags: ['robot'],
        summary: 'Delete a robot',
        params: RobotId,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const robot = await robotFor(request, request.params.robot_id, 'delete');
      await robots.delete(actorOf(request), robot);
      report(events, request, {
        operation: 'delete',
        resourceType: 'robot',
        resource: robot.name,
        projectName: projectNameOf(robot),
      });
      return empty(reply, 200);
    },
  );
};
