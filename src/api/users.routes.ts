import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { User } from '../db/index.js';
import type { EventSink } from '../domain/events.js';
import type { UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, iso, noContent, report, requireSysAdmin, requireUser } from './context.js';
import { PageQuery, pageHeaders, parseQ, parseSort } from './pagination.js';
import {
  errorResponses,
  PasswordReq,
  ref,
  UserCreationReq,
  UserProfile,
  UserResp,
  UserSysAdminFlag,
} from './schemas/index.js';

export interface UserRoutesDeps {
  readonly users: UserService;
  readonly events: EventSink;
}

export function toUserResp(user: User) {
  return {
    user_id: user.id,
    username: user.username,
    email: user.email ?? '',
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin === 1,
    admin_role_in_auth: false,
    creation_time: iso(user.created_at),
    update_time: iso(user.updated_at),
  };
}

const UserId = Type.Object({ user_id: Type.Integer({ minimum: 1 }) });

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesDeps> = async (app, { users, events }) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['user'],
        summary: 'Create a local user (system administrators only)',
        body: ref(UserCreationReq),
        response: { 201: noContent('Created; Location names the user'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const body = request.body;
      const user = await users.create(body);
      report(events, request, { operation: 'create', resourceType: 'user', resource: user.username });
      return empty(reply, 201, `/api/v2.0/users/${user.id}`);
    },
  );

  app.get(
    '/users/current',
    {
      schema: {
        tags: ['user'],
        summary: 'The user making the request',
        response: { 200: ref(UserResp), ...errorResponses },
      },
    },
    async (request) => {
      return toUserResp(await users.get(requireUser(request)));
    },
  );

  app.get(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Get a user',
        params: UserId,
        response: { 200: ref(UserResp), ...errorResponses },
      },
    },
    async (request) => {
      const self = requireUser(request);
      const id = request.params.user_id;
      if (!request.security.isSysAdmin && self !== id) {
        throw new BerthError('FORBIDDEN', 'only system administrators may read other users');
      }
      return toUserResp(await users.get(id));
    },
  );

  app.put(
    '/users/:user_id/password',
    {
      schema: {
        tags: ['user'],
        summary: 'Change a password: your own with the old one, anyone’s as a system administrator',
        params: UserId,
        body: ref(PasswordReq),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.user_id;
      const self = requireUser(request) === id;
      if (!self && !request.security.isSysAdmin)
        throw new BerthError('FORBIDDEN', 'you may change only your own password');
      const body = request.body;
      if (self && !request.security.isSysAdmin && body.old_password === undefined) {
        throw new BerthError('INVALID_INPUT', 'old_password is required');
      }
      await users.changePassword(id, body.new_password, self ? body.old_password : undefined);
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: 'password changed',
      });
      return empty(reply, 200);
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['user'],
        summary: 'List users (system administrators only)',
        querystring: Type.Object({
          ...PageQuery,
          username: Type.Optional(Type.String()),
          email: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Array(ref(UserResp)), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const query = request.query;
      const filters = parseQ(query.q, ['username', 'email']);
      const exact = (value: string | undefined) =>
        value === undefined ? undefined : { value, fuzzy: false };
      const { total, items } = await users.list({
        page: query.page,
        pageSize: query.page_size,
        username: filters.username ?? exact(query.username),
        email: filters.email ?? exact(query.email),
        sort: parseSort(query.sort, {
          username: 'username',
          creation_time: 'created_at',
          user_id: 'id',
        } as const),
      });
      pageHeaders(request, reply, query, total);
      return items.map(toUserResp);
    },
  );

  app.put(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Update a user’s profile (yourself, or anyone as a system administrator)',
        params: UserId,
        body: ref(UserProfile),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const self = requireUser(request);
      const id = request.params.user_id;
      if (self !== id && !request.security.isSysAdmin)
        throw new BerthError('FORBIDDEN', 'you may update only your own profile');
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

  app.put(
    '/users/:user_id/sysadmin',
    {
      schema: {
        tags: ['user'],
        summary: 'Grant or revoke system administration (system administrators, not on themselves)',
        params: UserId,
        body: ref(UserSysAdminFlag),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const id = request.params.user_id;
      if (id === requireUser(request))
        throw new BerthError('FORBIDDEN', 'you may not change your own administrator flag');
      const flag = request.body.sysadmin_flag;
      await users.setSysadmin(id, flag);
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: `sysadmin ${flag}`,
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/users/:user_id',
    {
      schema: {
        tags: ['user'],
        summary: 'Delete a user (system administrators, not themselves)',
        params: UserId,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const id = request.params.user_id;
      if (id === requireUser(request)) throw new BerthError('FORBIDDEN', 'you may not delete yourself');
      await users.delete(id);
      report(events, request, { operation: 'delete', resourceType: 'user', resource: String(id) });
      return empty(reply, 200);
    },
  );
};
