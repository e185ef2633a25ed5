import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { Robot as RobotRow } from '../db/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import { permissionsOf, type RobotService } from '../domain/robot/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, iso, noContent, report, requireAuthenticated, requireUser } from './context.js';
import { PageQuery, pageHeaders, parseQ } from './pagination.js';
import { authorizedProject } from './project-access.js';
import {
  errorResponses,
  Robot,
  RobotCreate,
  RobotCreated,
  RobotSec,
  RobotUpdate,
  ref,
} from './schemas/index.js';

export interface RobotRoutesDeps {
  readonly robots: RobotService;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

/** The project a project robot belongs to (its one permission's namespace). */
const projectNameOf = (robot: RobotRow): string | undefined =>
  robot.level === 'project' ? permissionsOf(robot)[0]?.namespace : undefined;

const RobotId = Type.Object({ robot_id: Type.Integer({ minimum: 1 }) });

const toRobot = (robot: RobotRow) => ({
  id: robot.id,
  name: robot.name,
  description: robot.description,
  level: robot.level,
  duration: robot.duration_days,
  editable: true,
  disable: robot.disabled === 1,
  expires_at: robot.expires_at,
  permissions: permissionsOf(robot),
  creator_type: 'local',
  creator_ref: robot.creator_id,
  creation_time: iso(robot.created_at),
  update_time: iso(robot.updated_at),
});

export const robotRoutes: FastifyPluginAsyncTypebox<RobotRoutesDeps> = async (
  app,
  { robots, projects, events },
) => {
  /**
   * System robots are the system administrators'; a project robot is its project's (project admins
   * manage it, maintainers may read it). Robots the caller may not see answer NOT_FOUND.
   */
  async function authorizeRobot(
    request: FastifyRequest,
    level: string,
    projectId: number | null,
    action: Action,
  ): Promise<void> {
    if (level === 'project' && projectId !== null) {
      await authorizedProject(projects, request, String(projectId), 'robot', action, false);
      // Robots are managed by people: a robot may look at robots, never create, change or delete one.
      if (action !== 'read' && action !== 'list') requireUser(request);
      return;
    }
    if (request.security.isSysAdmin) return;
    if (action !== 'create') throw new BerthError('NOT_FOUND', 'robot not found');
    requireAuthenticated(request);
    throw new BerthError('FORBIDDEN', 'only system administrators manage system robots');
  }

  /**
   * The robot, when the caller may do `action` on it. A robot that does not exist, a system robot
   * (for anyone but administrators) and one in a project the caller cannot see get the same answer,
   * so the API never tells an outsider, signed in or not, which robots exist or where.
   */
  async function robotFor(request: FastifyRequest, id: number, action: Action): Promise<RobotRow> {
    const hidden = new BerthError('NOT_FOUND', `robot ${id} not found`);
    const robot = await robots.find(id);
    if (!robot) throw hidden;
    try {
      await authorizeRobot(request, robot.level, robot.project_id, action);
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
      let project: { id: number; name: string } | undefined;
      if (body.level === 'project') {
        const namespace = body.permissions[0]?.namespace ?? '';
        const found = await projects.find(namespace);
        if (!found || !(await request.security.canSee(found)))
          throw new BerthError('NOT_FOUND', `project ${namespace.slice(0, 255)} not found`);
        project = found;
        await authorizeRobot(request, 'project', found.id, 'create');
      } else {
        await authorizeRobot(request, 'system', null, 'create');
      }
      const { robot, secret: generated } = await robots.create(body, requireUser(request), project);
      const secret = body.secret ? await robots.refreshSecret(robot, body.secret) : generated;
      report(events, request, {
        operation: 'create',
        resourceType: 'robot',
        resource: robot.name,
        projectName: project?.name,
      });
      reply.header('Location', `/api/v2.0/robots/${robot.id}`);
      return reply.code(201).send({
        id: robot.id,
        name: robot.name,
        secret,
        creation_time: iso(robot.created_at),
        expires_at: robot.expires_at,
      });
    },
  );

  app.get(
    '/robots',
    {
      schema: {
        tags: ['robot'],
        summary:
          'List robots (system administrators: all; others: a project’s, with q=Level=project,ProjectID=N)',
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(Robot)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const filters = parseQ(request.query.q, ['Level', 'ProjectID']);
      const projectId = filters.ProjectID ? Number(filters.ProjectID.value) : undefined;
      if (projectId !== undefined && !Number.isInteger(projectId))
        throw new BerthError('INVALID_INPUT', 'ProjectID must be a number');
      if (!request.security.isSysAdmin) {
        if (projectId === undefined) {
          requireAuthenticated(request);
          throw new BerthError(
            'FORBIDDEN',
            'only system administrators list every robot; filter by ProjectID',
          );
        }
        await authorizeRobot(request, 'project', projectId, 'list');
      }
      const { total, items } = await robots.list(
        { projectId, level: filters.Level?.value },
        request.query.page,
        request.query.page_size,
      );
      pageHeaders(request, reply, request.query, total);
      return items.map(toRobot);
    },
  );

  app.get(
    '/robots/:robot_id',
    {
      schema: {
        tags: ['robot'],
        summary: 'Get a robot',
        params: RobotId,
        response: { 200: ref(Robot), ...errorResponses },
      },
    },
    async (request) => toRobot(await robotFor(request, request.params.robot_id, 'read')),
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
      if (
        robot.level === 'project' &&
        body.permissions?.some((p) => p.namespace !== permissionsOf(robot)[0]?.namespace)
      ) {
        throw new BerthError('INVALID_INPUT', 'a project robot stays in its project');
      }
      await robots.update(robot, body);
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
        summary: 'Refresh a robot’s secret (a given one, or a generated one returned once)',
        params: RobotId,
        body: ref(RobotSec),
        response: { 200: ref(RobotSec), ...errorResponses },
      },
    },
    async (request) => {
      const robot = await robotFor(request, request.params.robot_id, 'update');
      const secret = await robots.refreshSecret(robot, request.body.secret || undefined);
      report(events, request, {
        operation: 'update',
        resourceType: 'robot',
        resource: robot.name,
        projectName: projectNameOf(robot),
        description: 'secret refreshed',
      });
      return { secret };
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
      await robots.delete(robot);
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
