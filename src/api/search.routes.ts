import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ArtifactService } from '../domain/artifact/index.js';
import type { ProjectService } from '../domain/project/index.js';
import type { AllowlistService } from '../scan/index.js';
import { requireAuthenticated } from './context.js';
import { toProjectResponse } from './projects.routes.js';
import { errorResponses, ref, Search, Statistic } from './schemas/index.js';

export interface SearchRoutesDeps {
  readonly projects: ProjectService;
  readonly artifacts: ArtifactService;
  readonly allowlists: AllowlistService;
}

/** Search answers at most this many projects and this many repositories. */
const searchLimit = 100;

/** Whose view: undefined for administrators (everything), else public plus the user's own projects. */
function visibility(request: FastifyRequest): { userId: number | undefined } | undefined {
  if (request.security.isSysAdmin) return undefined;
  const principal = request.security.principal;
  return { userId: principal?.kind === 'user' ? principal.id : undefined };
}

export const searchRoutes: FastifyPluginAsyncTypebox<SearchRoutesDeps> = async (
  app,
  { projects, artifacts, allowlists },
) => {
  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Projects and repositories whose name contains the text, among those the caller can see',
        querystring: Type.Object({ q: Type.String({ maxLength: 255 }) }),
        response: { 200: ref(Search), ...errorResponses },
      },
    },
    async (request) => {
      const text = request.query.q;
      const visible = visibility(request);
      const [found, repositories] = await Promise.all([
        projects.list({
          page: 1,
          pageSize: searchLimit,
          nameMatch: { value: text, fuzzy: true },
          visibleTo: visible,
          sort: { column: 'name', desc: false },
        }),
        projects.searchRepositories(text, visible, searchLimit),
      ]);
      const counts = await artifacts.artifactCountsByName(repositories.map((r) => r.name));
      return {
        project: await Promise.all(
          found.items.map((row) => toProjectResponse(projects, allowlists, request, row)),
        ),
        repository: repositories.map((r) => ({
          project_id: r.projectId,
          project_name: r.projectName,
          project_public: r.projectPublic,
          repository_name: r.name,
          pull_count: r.pullCount,
          artifact_count: counts.get(r.name) ?? 0,
        })),
      };
    },
  );

  app.get(
    '/statistics',
    {
      schema: {
        tags: ['statistic'],
        summary: 'Counts of projects and repositories the caller can see; totals for administrators',
        response: { 200: ref(Statistic), ...errorResponses },
      },
    },
    async (request) => {
      requireAuthenticated(request);
      const stats = await projects.statistics(visibility(request));
      const admin = request.security.isSysAdmin;
      return {
        private_project_count: stats.privateProjects,
        private_repo_count: stats.privateRepositories,
        public_project_count: stats.publicProjects,
        public_repo_count: stats.publicRepositories,
        total_project_count: admin ? stats.totalProjects : 0,
        total_repo_count: admin ? stats.totalRepositories : 0,
        total_storage_consumption: admin ? stats.storageBytes : 0,
      };
    },
  );
};
