import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../auth/index.js';
import type { User } from '../db/index.js';
import type { EventSink } from '../domain/events.js';
import type { UserService } from '../domain/user/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, iso, noContent, report, requireSysAdmin, requireUser } from './context.js';
import { errorResponses, PasswordReq, UserCreationReq, UserResp } from './schemas.js';

export interface UserRoutesDeps {
  readonly users: UserService;
  readonly authenticator: Authenticator;
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

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesDeps> = async (
  app,
  { users, authenticator, events },
) => {
  app.post(
    '/users',
    {
      schema: {
        tags: ['user'],
        summary: 'Create a local user (system administrators only)',
        body: Type.Ref(UserCreationReq),
        response: { 201: noContent('Created; Location names the user'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      const body = request.body as {
        username: string;
        password: string;
        email?: string;
        realname?: string;
        comment?: string;
      };
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
        response: { 200: Type.Ref(UserResp), ...errorResponses },
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
        response: { 200: Type.Ref(UserResp), ...errorResponses },
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
        body: Type.Ref(PasswordReq),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.user_id;
      const self = requireUser(request) === id;
      if (!self && !request.security.isSysAdmin)
        throw new BerthError('FORBIDDEN', 'you may change only your own password');
      const body = request.body as { old_password?: string; new_password: string };
      if (self && !request.security.isSysAdmin && body.old_password === undefined) {
        throw new BerthError('INVALID_INPUT', 'old_password is required');
      }
      await users.changePassword(id, body.new_password, self ? body.old_password : undefined);
      authenticator.forget();
      report(events, request, {
        operation: 'update',
        resourceType: 'user',
        resource: String(id),
        description: 'password changed',
      });
      return empty(reply, 200);
    },
  );
};
