import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { permissionsIn } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import type { Actor, UserField, UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report, requireAuthenticated, requireSystemAccess } from './context.js';
import { userResponse, userSearchItem } from './presenters/user.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import {
  errorResponses,
  OIDCCliSecretReq,
  PasswordReq,
  Permission,
  ref,
  UserCreationReq,
  UserProfile,
  UserResp,
  UserSearchRespItem,
  UserSysAdminFlag,
} from './schemas/index.js';

export interface UserRoutesDeps {
  readonly users: UserService;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

const UserId = Type.Object({ user_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });

/** Harbor's q keys of users: the columns of its user table and their Go field names. */
const userKeys: Readonly<Record<string, UserField>> = {
  user_id: 'id',
  UserID: 'id',
  username: 'username',
  Username: 'username',
  email: 'email',
  Email: 'email',
  realname: 'realname',
  Realname: 'realname',
  comment: 'comment',
  Comment: 'comment',
  sysadmin_flag: 'sysadmin',
  SysAdminFlag: 'sysadmin',
  creation_time: 'createdAt',
  CreationTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
  username_or_email: 'usernameOrEmail',
  UsernameOrEmail: 'usernameOrEmail',
};
const {
  username_or_email: _a,
  UsernameOrEmail: _b,
  ...userSortKeys
} = userKeys as Record<string, Exclude<UserField, 'usernameOrEmail'>>;

/** Who is acting, for the service's rules: the user (robots act for the system, never as a user). */
function actorOf(request: FastifyRequest): Actor {
  const principal = request.security.principal;
  return principal?.kind === 'user'
    ? { userId: principal.id, sysadmin: principal.sysadmin }
    : { sysadmin: request.security.isSysAdmin };
}

const isSelf = (request: FastifyRequest, id: number) => {
  const principal = request.security.principal;
  return principal?.kind === 'user' && principal.id === id;
};

/** Harbor's requireReadable / requireModifiable: yourself, or with the system permission on users. */
function requireSelfOr(request: FastifyRequest, id: number, action: 'read' | 'update'): void {
  requireAuthenticated(request);
  if (isSelf(request, id) || request.security.canSystem('user', action)) return;
  throw new BerthError(
    'FORBIDDEN',
    action === 'read' ? `not authorized to read user ${id}` : `user with ID ${id} can't be updated by you`,
  );
}

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesDeps> = async (
  app,
  { users, projects, events },
) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['user'],
        summary: 'Create a local user (system administrators, or system robots with user:create)',
        body: ref(UserCreationReq),
        response: { 201: noContent('Created; Location names the user'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'user', 'create');
      const user = await users.create(request.body);
      report(events, request, { operation: 'create', resourceType: 'user', resource: user.username });
      return empty(reply, 201, `/api/v2.0/users/${user.id}`);
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['user'],
        summary: 'List users (system administrators, or system robots with user:list)',
        querystring: Type.Object({
          ...PageQuery,
          username: Type.Optional(
            Type.String({ description: 'users whose name contains this (overrides q)' }),
          ),
          email: Type.Optional(
            Type.String({ description: 'users whose address contains this (overrides q)' }),
          ),
        }),
        response: { 200: Type.Array(ref(UserResp)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'user', 'list');
      const query = request.query;
      const filters = {
        ...filtersOf(query.q, userKeys),
        ...(query.username ? { username: { kind: 'fuzzy', value: query.username } as const } : {}),
        ...(query.email ? { email: { kind: 'fuzzy', value: query.email } as const } : {}),
      };
      const { total, items } = await users.list({
        page: query.page,
        pageSize: query.page_size,
        filters,
        sorts: sortsOf(query.sort, userSortKeys),
      });
      pageHeaders(request, reply, query, total);
      return items.map(userResponse);
    },
  );

  app.get(
    '/users/current',
    {
      schema: {
        tags: ['user'],
        summary: 'The user making the request (412 for robot accounts, which are no users)',
        response: { 200: ref(UserResp), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      const principal = request.security.principal;
      if (principal?.kind !== 'user')
        throw new BerthError(
          'PRECONDITION_FAILED',
          `get current user not available for ${principal?.kind ?? 'this'} account ${request.security.username}`,
        );
      return userResponse(await users.get(principal.id));
    },
  );

  app.get(
    '/users/search',
    {
      schema: {
        tags: ['user'],
        summary: 'Users whose name contains the text: ids and names, for anyone signed in',
        querystring: Type.Object({
          page: PageQuery.page,
          page_size: PageQuery.page_size,
          username: Type.String({ maxLength: 255, description: 'part of the user name' }),
        }),
        response: { 200: Type.Array(ref(UserSearchRespItem)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAuthenticated(request);
      const query = request.query;
      const { total, items } = await users.search(query.username, {
        page: query.page,
        pageSize: query.page_size,
      });
      pageHeaders(request, reply, query, total);
      return items.map(userSearchItem);
    },
  );

  app.get(
    '/users/current/permissions',
    {
      schema: {
        tags: ['user'],
        summary: 'What the caller may do in a scope (/system or /project/{id})',
        querystring: Type.Object({
          scope: Type.Optional(
            Type.String({ maxLength: 1024, description: '/system or /project/{project_id}' }),
          ),
          relative: Type.Boolean({ default: false, description: 'resources relative to the scope' }),
        }),
        response: { 200: Type.Array(ref(Permission)), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      return permissionsIn(request.security, projects, request.query.scope, request.query.relative);
    },
  );

  app.get(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Get a user (yourself, or anyone with the system permission user:read)',
        params: UserId,
        response: { 200: ref(UserResp), ...errorResponses },
      },
    },
    async (request) => {
      requireSelfOr(request, request.params.user_id, 'read');
      return userResponse(await users.get(request.params.user_id));
    },
  );

  app.put(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Update a user’s email, realname and comment (yourself, or anyone with user:update)',
        params: UserId,
        body: ref(UserProfile),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.user_id;
      requireSelfOr(request, id, 'update');
      await users.updateProfile(id, request.body);
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: 'profile',
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Delete a user (with user:delete; never yourself nor the first administrator)',
        params: UserId,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'user', 'delete');
      const id = request.params.user_id;
      await users.delete(actorOf(request), id);
      report(events, request, { operation: 'delete', resourceType: 'user', resource: String(id) });
      return empty(reply, 200);
    },
  );

  app.put(
    '/users/:user_id/sysadmin',
    {
      schema: {
        tags: ['user'],
        summary: 'Grant or revoke system administration (with user:update; not your own)',
        params: UserId,
        body: ref(UserSysAdminFlag),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSystemAccess(request, 'user', 'update');
      const id = request.params.user_id;
      const flag = request.body.sysadmin_flag;
      await users.setSysadmin(actorOf(request), id, flag);
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: `sysadmin ${flag}`,
      });
      return empty(reply, 200);
    },
  );

  app.put(
    '/users/:user_id/password',
    {
      schema: {
        tags: ['user'],
        summary: 'Change a password: your own with the old one, anyone’s with user:update',
        params: UserId,
        body: ref(PasswordReq),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.user_id;
      requireSelfOr(request, id, 'update');
      await users.changePassword(actorOf(request), id, request.body.new_password, request.body.old_password);
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: 'password changed',
      });
      return empty(reply, 200);
    },
  );

  app.put(
    '/users/:user_id/cli_secret',
    {
      schema: {
        tags: ['user'],
        summary: 'Set a user’s CLI secret: only under OIDC sign-in, which Berth does not have (412)',
        params: UserId,
        body: ref(OIDCCliSecretReq),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async () => {
      // Harbor checks the sign-in mode before anything else, anonymous callers included.
      throw new BerthError('PRECONDITION_FAILED', 'unable to update CLI secret under authmode: db_auth');
    },
  );
};
