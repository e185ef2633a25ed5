import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import { assertStorageLimit } from '../quota/index.js';
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

/** Projects remembered at most; beyond it the cache starts again. */
const maxCached = 10_000;

/**
 * Projects: the first path component of a repository name, with a public flag and Harbor's metadata.
 * Every /v2 request and every push asks for its project, so each process remembers projects by name
 * and id until the `projects` signal says one was created, changed or deleted somewhere (at once
 * here, within the cache sync interval on other replicas).
 */
export class ProjectService {
  private readonly cache = new Map<string | number, Promise<Project | undefined>>();

  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {
    ctx.signals.on('projects', () => this.cache.clear());
  }

  /**
   * Creates a project owned (as project admin) by the user, with its storage quota (-1: none);
   * CONFLICT when the name is taken.
   */
  async create(
    name: string,
    ownerId: number,
    metadata: ProjectMetadata,
    storageLimit = -1,
  ): Promise<Project> {
    assertProjectName(name);
    assertStorageLimit(storageLimit);
    const project = await insertProject(this.ctx.db, {
      name,
      ownerId,
      metadata: { public: 'false', ...metadata },
      storageLimit,
      now: this.ctx.now(),
    });
    if (!project) throw new BerthError('CONFLICT', `the project ${name} already exists`);
    await this.ctx.signals.raise('projects');
    return project;
  }

  find(nameOrId: string | number): Promise<Project | undefined> {
    let found = this.cache.get(nameOrId);
    if (!found) {
      if (this.cache.size >= maxCached) this.cache.clear();
      found = this.read(nameOrId);
      this.cache.set(nameOrId, found);
      found.catch(() => this.cache.delete(nameOrId));
    }
    return found;
  }

  private read(nameOrId: string | number): Promise<Project | undefined> {
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

  /** Merges metadata into the project's as stored now (`public` moves the public flag with it). */
  async updateMetadata(project: Project, metadata: ProjectMetadata): Promise<void> {
    const current = (await projectById(this.ctx.db, project.id)) ?? project;
    await updateProject(this.ctx.db, project.id, {
      metadata: { ...current.metadata, ...metadata },
      now: this.ctx.now(),
    });
    await this.ctx.signals.raise('projects');
  }

  /** Removes one metadata key; `public` is part of every project and can only be changed. */
  async deleteMetadata(project: Project, key: string): Promise<void> {
    if (key === 'public') throw new BerthError('INVALID_INPUT', 'public cannot be removed, only set');
    const current: Record<string, string | undefined> = {
      ...((await projectById(this.ctx.db, project.id)) ?? project).metadata,
    };
    if (current[key] === undefined)
      throw new BerthError('NOT_FOUND', `project ${project.name} has no metadata ${key.slice(0, 60)}`);
    delete current[key];
    await updateProject(this.ctx.db, project.id, { metadata: current, now: this.ctx.now() });
    await this.ctx.signals.raise('projects');
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
    await this.ctx.signals.raise('projects');
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
