import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ImmutableRules, NewImmutableRule, ImmutableRule as Rule } from '../domain/immutable/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import { empty, noContent, report } from './context.js';
import { authorizedProject, IsResourceName, NameOrId } from './project-access.js';
import { PageQuery, pageHeaders } from './query.js';
import { errorResponses, ImmutableRule, ref } from './schemas/index.js';

export interface ImmutableRoutesDeps {
  readonly immutable: ImmutableRules;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

const toResponse = (rule: Rule) => ({
  id: rule.id,
  priority: rule.priority,
  disabled: rule.disabled,
  action: 'immutable',
  template: 'immutable_template',
  params: {},
  tag_selectors: [...rule.tagSelectors],
  scope_selectors: { repository: [...rule.scopeSelectors.repository] },
});

const fromBody = (body: Static<typeof ImmutableRule>): NewImmutableRule => ({
  priority: body.priority ?? 0,
  disabled: body.disabled ?? false,
  tagSelectors: body.tag_selectors,
  scopeSelectors: body.scope_selectors,
});

const RuleId = Type.Object({
  ...NameOrId.properties,
  immutable_rule_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

/**
 * Harbor's immutable tag rules of a project (project admins and maintainers; system administrators).
 * See ImmutableRules for what a rule protects.
 */
export const immutableRoutes: FastifyPluginAsyncTypebox<ImmutableRoutesDeps> = async (
  app,
  { immutable, projects, events },
) => {
  const projectFor = (request: FastifyRequest, nameOrId: string, action: Action) =>
    authorizedProject(projects, request, nameOrId, 'immutable-tag', action);
  const reported = (
    request: FastifyRequest,
    project: string,
    operation: 'create' | 'update' | 'delete',
    id: number,
  ) =>
    report(events, request, {
      operation,
      resourceType: 'immutable_rule',
      resource: `${project} immutable rule ${id}`,
      projectName: project,
    });

  app.get(
    '/projects/:project_name_or_id/immutabletagrules',
    {
      schema: {
        tags: ['immutable'],
        summary: "A project's immutable tag rules, by id",
        params: NameOrId,
        headers: IsResourceName,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(ImmutableRule)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'list');
      const { page, page_size } = request.query;
      const { total, items } = await immutable.list(project.id, {
        offset: (page - 1) * page_size,
        limit: page_size,
      });
      pageHeaders(request, reply, request.query, total);
      return items.map(toResponse);
    },
  );

  app.post(
    '/projects/:project_name_or_id/immutabletagrules',
    {
      schema: {
        tags: ['immutable'],
        summary: 'Add an immutable tag rule (created enabled); the same rule twice is 409',
        params: NameOrId,
        headers: IsResourceName,
        body: ref(ImmutableRule),
        response: { 201: noContent('Created; Location names the rule'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'create');
      // As Harbor: a new rule is enabled whatever the body says.
      const id = await immutable.create(project.id, { ...fromBody(request.body), disabled: false });
      reported(request, project.name, 'create', id);
      return empty(reply, 201, `${request.url.split('?')[0]?.replace(/\/$/, '')}/${id}`);
    },
  );

  app.put(
    '/projects/:project_name_or_id/immutabletagrules/:immutable_rule_id',
    {
      schema: {
        tags: ['immutable'],
        summary: 'Change an immutable tag rule, or enable or disable it',
        params: RuleId,
        headers: IsResourceName,
        body: ref(ImmutableRule),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.immutable_rule_id;
      if (request.body.id !== undefined && request.body.id !== id)
        throw new BerthError(
          'INVALID_INPUT',
          "bad request: the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
        );
      const project = await projectFor(request, request.params.project_name_or_id, 'update');
      await immutable.update(project.id, id, fromBody(request.body));
      reported(request, project.name, 'update', id);
      return empty(reply, 200);
    },
  );

  app.delete(
    '/projects/:project_name_or_id/immutabletagrules/:immutable_rule_id',
    {
      schema: {
        tags: ['immutable'],
        summary: 'Remove an immutable tag rule',
        params: RuleId,
        headers: IsResourceName,
        response: { 200: noContent('Removed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectFor(request, request.params.project_name_or_id, 'delete');
      await immutable.remove(project.id, request.params.immutable_rule_id);
      reported(request, project.name, 'delete', request.params.immutable_rule_id);
      return empty(reply, 200);
    },
  );
};
