import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { EventSink } from '../domain/events.js';
import type { Label, LabelCaller, LabelField, LabelService } from '../domain/label/index.js';
import type { ProjectService } from '../domain/project/index.js';
import { empty, noContent, report } from './context.js';
import { labelResponse } from './presenters/label.js';
import { filtersOf, PageQuery, pageHeaders, sortsOf } from './query.js';
import { errorResponses, LabelReq, Label as LabelSchema, ref } from './schemas/index.js';

export interface LabelRoutesDeps {
  readonly projects: ProjectService;
  readonly labels: LabelService;
  readonly events: EventSink;
}

/** Harbor's label keys for q and sort: the harbor_label columns and their Go field names. */
const labelKeys: Readonly<Record<string, LabelField>> = {
  id: 'id',
  ID: 'id',
  name: 'name',
  Name: 'name',
  description: 'description',
  Description: 'description',
  color: 'color',
  Color: 'color',
  level: 'level',
  Level: 'level',
  scope: 'scope',
  Scope: 'scope',
  project_id: 'projectId',
  ProjectID: 'projectId',
  creation_time: 'createdAt',
  CreationTime: 'createdAt',
  update_time: 'updatedAt',
  UpdateTime: 'updatedAt',
  deleted: 'deleted',
  Deleted: 'deleted',
};

const LabelParams = Type.Object({ label_id: Type.Integer({ description: 'the label id' }) });

/** The caller, as the label rules ask about it: projects are looked up once per request. */
function labelCaller(projects: ProjectService, request: FastifyRequest) {
  const found = new Map<number, ReturnType<ProjectService['find']>>();
  const project = (id: number) => {
    let lookup = found.get(id);
    if (!lookup) {
      lookup = projects.find(id);
      found.set(id, lookup);
    }
    return lookup;
  };
  const security = request.security;
  const caller: LabelCaller = {
    authenticated: security.isAuthenticated,
    sysadmin: security.isSysAdmin,
    async seesProject(id) {
      const p = await project(id);
      return p !== undefined && (await security.canSee(p));
    },
    async mayInProject(id, action) {
      const p = await project(id);
      return p !== undefined && (await security.can(p, 'label', action));
    },
  };
  /** The project a label belongs to, by name, for the audit log. */
  const projectName = async (label: Label) =>
    label.scope === 'p' ? (await project(label.projectId))?.name : undefined;
  return { caller, projectName };
}

/** Harbor's /labels: global labels (scope g, system administrators') and a project's own (scope p). */
export const labelRoutes: FastifyPluginAsyncTypebox<LabelRoutesDeps> = async (
  app,
  { projects, labels, events },
) => {
  app.get(
    '/labels',
    {
      schema: {
        tags: ['label'],
        summary: 'List the global labels (scope=g) or a project’s (scope=p&project_id=N)',
        querystring: Type.Object({
          ...PageQuery,
          name: Type.Optional(
            Type.String({ maxLength: 128, description: 'labels whose name contains this' }),
          ),
          scope: Type.Optional(
            Type.String({ maxLength: 16, description: 'g (global) or p (a project’s); required' }),
          ),
          project_id: Type.Optional(Type.Integer({ description: 'the project, with scope=p' })),
        }),
        response: { 200: Type.Array(ref(LabelSchema)), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const { total, items } = await labels.list(labelCaller(projects, request).caller, {
        scope: query.scope,
        projectId: query.project_id,
        name: query.name,
        filters: filtersOf(query.q, labelKeys),
        sorts: sortsOf(query.sort, labelKeys),
        page: query.page,
        pageSize: query.page_size,
      });
      pageHeaders(request, reply, query, total);
      return items.map(labelResponse);
    },
  );

  app.post(
    '/labels',
    {
      schema: {
        tags: ['label'],
        summary: 'Create a label: global (scope g, administrators) or a project’s (scope p with project_id)',
        body: ref(LabelReq),
        response: { 201: noContent('Created; Location names it'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { caller, projectName } = labelCaller(projects, request);
      const label = await labels.create(caller, {
        name: body.name,
        description: body.description,
        color: body.color,
        scope: body.scope,
        projectId: body.project_id,
      });
      report(events, request, {
        operation: 'create',
        resourceType: 'label',
        resource: label.name,
        projectName: await projectName(label),
      });
      return empty(reply, 201, `/api/v2.0/labels/${label.id}`);
    },
  );

  app.get(
    '/labels/:label_id',
    {
      schema: {
        tags: ['label'],
        summary: 'Get a label',
        params: LabelParams,
        response: { 200: ref(LabelSchema), ...errorResponses },
      },
    },
    async (request) =>
      labelResponse(await labels.get(labelCaller(projects, request).caller, request.params.label_id)),
  );

  app.put(
    '/labels/:label_id',
    {
      schema: {
        tags: ['label'],
        summary: 'Set a label’s name, description and color (scope and project stay)',
        params: LabelParams,
        body: ref(LabelReq),
        response: { 200: noContent('Updated'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { caller, projectName } = labelCaller(projects, request);
      const body = request.body;
      const label = await labels.update(caller, request.params.label_id, {
        name: body.name,
        description: body.description,
        color: body.color,
      });
      report(events, request, {
        operation: 'update',
        resourceType: 'label',
        resource: label.name,
        projectName: await projectName(label),
      });
      return empty(reply, 200);
    },
  );

  app.delete(
    '/labels/:label_id',
    {
      schema: {
        tags: ['label'],
        summary: 'Delete a label; the artifacts that carried it no longer do',
        params: LabelParams,
        response: { 200: noContent('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { caller, projectName } = labelCaller(projects, request);
      const label = await labels.delete(caller, request.params.label_id);
      report(events, request, {
        operation: 'delete',
        resourceType: 'label',
        resource: label.name,
        projectName: await projectName(label),
      });
      return empty(reply, 200);
    },
  );
};
