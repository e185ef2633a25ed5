import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ProjectService } from '../domain/project/index.js';
import type { RepositoryService } from '../domain/repository/index.js';
import type { AllowlistService } from '../scan/index.js';
import { requireAuthenticated } from './context.js';
import { projectResponse } from './presenters/project.js';
import { visibilityOf } from './project-access.js';
import { errorResponses, ref, Search, Statistic } from './schemas/index.js';

export interface SearchRoutesDeps {
  readonly projects: ProjectService;
  readonly repositories: RepositoryService;
  readonly allowlists: AllowlistService;
}

/** Search answers at most this many projects and this many repositories. */
const searchLimit = 100;

export const searchRoutes: FastifyPluginAsyncTypebox<SearchRoutesDeps> = async (
  app,
  { projects, repositories, allowlists },
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
      const visibility = visibilityOf(request);
      const [found, matches] = await Promise.all([
        projects.list({
          page: 1,
          pageSize: searchLimit,
          filters: { name: { kind: 'fuzzy', value: text } },
          visibility,
          sorts: [{ field: 'name', desc: false }],
        }),
        repositories.search(text, visibility, searchLimit),
      ]);
      const details = await projects.details(found.items);
      return {
        project: await Promise.all(
          details.map(async (project) =>
            projectResponse(project, await allowlists.get(project.id), {
              roles: await request.security.projectRoles(project),
              sysadmin: request.security.isSysAdmin,
            }),
          ),
        ),
        repository: matches.map((r) => ({
          project_id: r.projectId,
          project_name: r.projectName,
          project_public: r.projectPublic,
          repository_name: r.name,
          pull_count: r.pullCount,
          artifact_count: r.artifactCount,
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
      const stats = await projects.statistics(visibilityOf(request));
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
