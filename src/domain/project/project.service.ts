import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import {
  assertProjectName,
  type Project,
  type ProjectDetail,
  type ProjectMetadata,
  projectNameOf,
  type Visibility,
} from './project.model.js';
import {
  deleteProject,
  insertProject,
  listProjects,
  memberCounts,
  membershipsOf,
  type ProjectListQuery,
  projectById,
  projectByName,
  projectDetails,
  repositoryCount,
  type Statistics,
  statistics,
  updateProject,
} from './project.repo.js';

/** Projects: the first path component of a repository name, with a public flag and Harbor's metadata. */
export class ProjectService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  /** Creates a project owned (as project admin) by the user; CONFLICT when the name is taken. */
  async create(name: string, ownerId: number, metadata: ProjectMetadata): Promise<Project> {
    assertProjectName(name);
    const project = await insertProject(this.ctx.db, {
      name,
      ownerId,
      metadata: { public: 'false', ...metadata },
      now: this.ctx.now(),
    });
    if (!project) throw new BerthError('CONFLICT', `the project ${name} already exists`);
    return project;
  }

  async find(nameOrId: string | number): Promise<Project | undefined> {
    return typeof nameOrId === 'number'
      ? projectById(this.ctx.db, nameOrId)
      : projectByName(this.ctx.db, nameOrId);
  }

  /** The project owning a repository (named by its first path component), if it exists. */
  async ownerOf(repository: string): Promise<Project | undefined> {
    return this.find(projectNameOf(repository));
  }

  async get(nameOrId: string | number): Promise<Project> {
    const project = await this.find(nameOrId);
    if (!project) throw new BerthError('NOT_FOUND', `project ${nameOrId} not found`);
    return project;
  }

  /** The projects with their owners' names and repository counts (one query each for all of them). */
  async details(projects: readonly Project[]): Promise<ProjectDetail[]> {
    const { owners, repositories } = await projectDetails(this.ctx.db, projects);
    return projects.map((p) => ({
      ...p,
      ownerName: owners.get(p.ownerId) ?? '',
      repoCount: repositories.get(p.id) ?? 0,
    }));
  }

  list(query: ProjectListQuery): Promise<Listed<Project>> {
    return listProjects(this.ctx.db, query);
  }

  /** Merges metadata into the project's (`public` moves the public flag with it). */
  async updateMetadata(project: Project, metadata: ProjectMetadata): Promise<void> {
    await updateProject(this.ctx.db, project.id, {
      metadata: { ...project.metadata, ...metadata },
      now: this.ctx.now(),
    });
  }

  /** Removes one metadata key; `public` is part of every project and can only be changed. */
  async deleteMetadata(project: Project, key: string): Promise<void> {
    if (key === 'public') throw new BerthError('INVALID_INPUT', 'public cannot be removed, only set');
    const current: Record<string, string | undefined> = { ...project.metadata };
    if (current[key] === undefined)
      throw new BerthError('NOT_FOUND', `project ${project.name} has no metadata ${key.slice(0, 60)}`);
    delete current[key];
    await updateProject(this.ctx.db, project.id, { metadata: current, now: this.ctx.now() });
  }

  /** Whether the project may be deleted now, and why not (Harbor's `_deletable`). */
  async deletable(project: Project): Promise<{ deletable: boolean; message?: string }> {
    if ((await repositoryCount(this.ctx.db, project.id)) > 0)
      return { deletable: false, message: 'the project contains repositories, can not be deleted' };
    return { deletable: true };
  }

  /** Deletes an empty project; one that still holds repositories is refused (PRECONDITION_FAILED). */
  async delete(project: Project): Promise<void> {
    const { deletable, message } = await this.deletable(project);
    if (!deletable) throw new BerthError('PRECONDITION_FAILED', `${message} (project ${project.name})`);
    await deleteProject(this.ctx.db, project.id);
  }

  repositoryCount(projectId: number): Promise<number> {
    return repositoryCount(this.ctx.db, projectId);
  }

  memberCounts(projectId: number): Promise<Record<number, number>> {
    return memberCounts(this.ctx.db, projectId);
  }

  /** The projects the user is a member of, with the role held in each. */
  memberships(userId: number): Promise<{ projectId: number; role: number }[]> {
    return membershipsOf(this.ctx.db, userId);
  }

  /** Counts of projects and repositories the caller can see (everything for undefined visibility). */
  statistics(visibility: Visibility | undefined): Promise<Statistics> {
    return statistics(this.ctx.db, visibility);
  }
}
