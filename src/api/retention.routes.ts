import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Action } from '../auth/index.js';
import type { EventSink } from '../domain/events.js';
import type { ProjectService } from '../domain/project/index.js';
import { BerthError, isBerthError } from '../lib/errors.js';
import type { RetentionPolicy, RetentionRun, RetentionService } from '../lifecycle/index.js';
import { empty, noContent, report, requireAuthenticated } from './context.js';
import { authorizedProject } from './project-access.js';
import { PageQuery, pageHeaders } from './query.js';
import {
  errorResponses,
  RetentionPolicy as PolicySchema,
  RetentionExecution,
  RetentionExecutionTask,
  RetentionMetadata,
  ref,
} from './schemas/index.js';

export interface RetentionRoutesDeps {
  readonly retention: RetentionService;
  readonly projects: ProjectService;
  readonly events: EventSink;
}

/** Harbor's hard-coded metadata of the rule templates and selectors (with Berth's regex and label kinds). */
const metadata = {
  templates: [
    ['latestPushedK', 'the most recently pushed # artifacts', 'COUNT'],
    ['latestPulledN', 'the most recently pulled # artifacts', 'COUNT'],
    ['nDaysSinceLastPush', 'pushed within the last # days', 'DAYS'],
    ['nDaysSinceLastPull', 'pulled within the last # days', 'DAYS'],
  ]
    .map(([rule_template, display_text, unit]) => ({
      rule_template,
      display_text,
      action: 'retain',
      params: [{ type: 'int', unit, required: true }],
    }))
    .concat([{ rule_template: 'always', display_text: 'always', action: 'retain', params: [] }]),
  scope_selectors: [
    { display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] },
    {
      display_text: 'Repositories (regular expression)',
      kind: 'regex',
      decorations: ['repoMatches', 'repoExcludes'],
    },
  ],
  tag_selectors: [
    { display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] },
    { display_text: 'Tags (regular expression)', kind: 'regex', decorations: ['matches', 'excludes'] },
    { display_text: 'Labels', kind: 'label', decorations: ['withLabels', 'withoutLabels'] },
  ],
};

const executionResponse = (run: RetentionRun) => ({
  id: run.id,
  policy_id: run.parameters.policyId,
  start_time: run.createdAt.toISOString(),
  ...(['Success', 'Error', 'Stopped'].includes(run.status) ? { end_time: run.updatedAt.toISOString() } : {}),
  status: run.status,
  trigger: run.trigger,
  dry_run: run.parameters.dryRun,
});

const PolicyId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const ExecutionId = Type.Object({
  ...PolicyId.properties,
  eid: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});
const TaskId = Type.Object({
  ...ExecutionId.properties,
  tid: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

/**
 * Harbor's tag retention API: a project's policy (project admins and maintainers), its executions
 * (manual, with a dry run, or scheduled), stopping one, and each repository's task with its log.
 */
export const retentionRoutes: FastifyPluginAsyncTypebox<RetentionRoutesDeps> = async (
  app,
  { retention, projects, events },
) => {
  /** The policy, when the caller may act on its project (a private project stays unseen). */
  const policyFor = async (request: FastifyRequest, id: number, action: Action) => {
    // A policy of a project the caller may not see is answered as one that does not exist.
    const missing = new BerthError('NOT_FOUND', `no such Retention policy with id ${id}`);
    const policy = await retention.getPolicy(id).catch(() => {
      throw missing;
    });
    const project = await authorizedProject(
      projects,
      request,
      String(policy.scope.ref),
      'tag-retention',
      action,
      false,
    ).catch((error: unknown) => {
      throw isBerthError(error) && error.code === 'NOT_FOUND' ? missing : error;
    });
    if (project.metadata.retention_id !== String(id)) throw missing;
    return { policy, project };
  };
  /** A change of a project's retention, on the event bus (the audit log). */
  const reported = (
    request: FastifyRequest,
    project: string,
    operation: 'create' | 'update' | 'delete',
    what: string,
    description?: string,
  ) =>
    report(events, request, {
      operation,
      resourceType: 'retention',
      resource: `${project} retention ${what}`,
      projectName: project,
      ...(description === undefined ? {} : { description }),
    });
  const bodyOf = (body: Omit<RetentionPolicy, 'id'> & { id?: number }) => ({
    algorithm: body.algorithm,
    rules: body.rules.map((r, i) => ({
      ...r,
      id: r.id ?? i + 1,
      params: r.params ?? {},
      priority: r.priority ?? 0,
    })),
    trigger: body.trigger ?? { kind: 'Schedule' as const, settings: {} },
    scope: body.scope,
  });

  app.get(
    '/retentions/metadatas',
    {
      schema: {
        tags: ['Retention'],
        summary: 'The rule templates and selectors a retention policy may use',
        response: { 200: ref(RetentionMetadata), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      return metadata;
    },
  );

  app.post(
    '/retentions',
    {
      schema: {
        tags: ['Retention'],
        summary: "Create a project's retention policy (one per project; its retention_id metadata)",
        body: ref(PolicySchema),
        response: { 201: noContent('Created; Location names the policy'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = bodyOf(request.body as Omit<RetentionPolicy, 'id'>);
      const project = await authorizedProject(
        projects,
        request,
        String(body.scope.ref),
        'tag-retention',
        'create',
        false,
      );
      const id = await retention.create(body as Omit<RetentionPolicy, 'id'>);
      reported(request, project.name, 'create', `${id}`);
      return empty(reply, 201, `/api/v2.0/retentions/${id}`);
    },
  );

  app.get(
    '/retentions/:id',
    {
      schema: {
        tags: ['Retention'],
        summary: 'A retention policy',
        params: PolicyId,
        response: { 200: ref(PolicySchema), ...errorResponses },
      },
    },
    async (request) => (await policyFor(request, request.params.id, 'read')).policy as never,
  );

  app.put(
    '/retentions/:id',
    {
      schema: {
        tags: ['Retention'],
        summary: 'Replace a retention policy (rules, trigger)',
        params: PolicyId,
        body: ref(PolicySchema),
        response: { 200: noContent('Changed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { project } = await policyFor(request, request.params.id, 'update');
      await retention.update(
        request.params.id,
        bodyOf(request.body as Omit<RetentionPolicy, 'id'>) as Omit<RetentionPolicy, 'id'>,
      );
      reported(request, project.name, 'update', `${request.params.id}`);
      return empty(reply, 200);
    },
  );

  app.delete(
    '/retentions/:id',
    {
      schema: {
        tags: ['Retention'],
        summary: 'Remove a retention policy with its executions',
        params: PolicyId,
        response: { 200: noContent('Removed'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { project } = await policyFor(request, request.params.id, 'delete');
      await retention.delete(request.params.id);
      reported(request, project.name, 'delete', `${request.params.id}`);
      return empty(reply, 200);
    },
  );

  app.post(
    '/retentions/:id/executions',
    {
      schema: {
        tags: ['Retention'],
        summary: 'Run the policy now (a dry run deletes nothing)',
        params: PolicyId,
        body: Type.Object({ dry_run: Type.Optional(Type.Boolean()) }),
        response: { 201: noContent('Started; Location names the execution'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { project } = await policyFor(request, request.params.id, 'update');
      const eid = await retention.runNow(request.params.id, request.body.dry_run === true);
      reported(
        request,
        project.name,
        'create',
        `${request.params.id} execution ${eid}`,
        request.body.dry_run ? 'dry run' : 'run',
      );
      return empty(reply, 201, `/api/v2.0/retentions/${request.params.id}/executions/${eid}`);
    },
  );

  app.get(
    '/retentions/:id/executions',
    {
      schema: {
        tags: ['Retention'],
        summary: "The policy's executions, newest first",
        params: PolicyId,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(RetentionExecution)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await policyFor(request, request.params.id, 'list');
      const { page, page_size } = request.query;
      const { total, items } = await retention.executions(request.params.id, {
        offset: (page - 1) * page_size,
        limit: page_size,
      });
      pageHeaders(request, reply, request.query, total);
      return items.map(executionResponse);
    },
  );

  app.patch(
    '/retentions/:id/executions/:eid',
    {
      schema: {
        tags: ['Retention'],
        summary: 'Stop an execution (after the repository in hand)',
        params: ExecutionId,
        body: Type.Object({ action: Type.String({ maxLength: 20 }) }),
        response: { 200: noContent('Stopping'), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.body.action !== 'stop') throw new BerthError('INVALID_INPUT', "action should be 'stop'");
      await policyFor(request, request.params.id, 'update');
      await retention.executionOf(request.params.id, request.params.eid);
      await retention.stop(request.params.eid);
      return empty(reply, 200);
    },
  );

  app.get(
    '/retentions/:id/executions/:eid/tasks',
    {
      schema: {
        tags: ['Retention'],
        summary: "An execution's tasks, one per repository",
        params: ExecutionId,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Array(ref(RetentionExecutionTask)), ...errorResponses },
      },
    },
    async (request, reply) => {
      await policyFor(request, request.params.id, 'list');
      await retention.executionOf(request.params.id, request.params.eid);
      const { page, page_size } = request.query;
      const { total, items } = await retention.tasks(request.params.eid, {
        offset: (page - 1) * page_size,
        limit: page_size,
      });
      pageHeaders(request, reply, request.query, total);
      return items.map((t) => ({
        id: t.id,
        execution_id: t.executionId,
        repository: t.repository,
        job_id: String(t.id),
        status: t.status,
        status_code: t.status === 'Running' ? 2 : t.status === 'Pending' ? 0 : 3,
        status_revision: 0,
        start_time: t.startTime.toISOString(),
        ...(t.endTime ? { end_time: t.endTime.toISOString() } : {}),
        total: t.total,
        retained: t.retained,
      }));
    },
  );

  app.get(
    '/retentions/:id/executions/:eid/tasks/:tid',
    {
      schema: {
        tags: ['Retention'],
        summary: "A task's log (text): what was retained and deleted, and why",
        params: TaskId,
        response: {
          200: { description: 'the log', content: { 'text/plain': { schema: Type.String() } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      await policyFor(request, request.params.id, 'read');
      await retention.executionOf(request.params.id, request.params.eid);
      const log = await retention.taskLog(request.params.eid, request.params.tid);
      return reply.type('text/plain; charset=utf-8').send(log);
    },
  );
};
