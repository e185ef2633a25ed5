import { retryConflicts } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { assertRepositoryName } from '../../lib/names.js';
import type { ServiceContext } from '../context.js';
import type { ImmutableRules } from '../immutable/index.js';
import type { Listed, PageRequest } from '../pagination.js';
import { type Project, type Visibility, visibleCondition } from '../project/index.js';
import type { Filters, Sort } from '../query.js';
import type { Repository, RepositoryField, RepositoryMatch } from './repository.model.js';
import {
  deleteRepositoryRows,
  listRepositories,
  repositoryByName,
  searchRepositories,
  setDescription,
  tagNames,
} from './repository-list.repo.js';

export interface RepositoryQuery extends PageRequest {
  readonly filters: Filters<RepositoryField>;
  readonly sorts: readonly Sort<RepositoryField>[];
}

/** Repositories as the management API lists, shows, describes and deletes them. */
export class RepositoryService {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'db' | 'now'>,
    private readonly immutable: ImmutableRules,
  ) {}

  /** The repositories of one project. */
  inProject(project: Project, query: RepositoryQuery): Promise<Listed<Repository>> {
    return listRepositories(this.ctx.db, { ...query, projectId: project.id });
  }

  /** Repositories across every project the caller can see (undefined visibility: all). */
  visible(visibility: Visibility | undefined, query: RepositoryQuery): Promise<Listed<Repository>> {
    return listRepositories(this.ctx.db, {
      ...query,
      visible: visibility ? visibleCondition('p', visibility) : undefined,
    });
  }

  async get(name: string): Promise<Repository> {
    assertRepositoryName(name);
    const repository = await repositoryByName(this.ctx.db, name);
    if (!repository) throw new BerthError('NOT_FOUND', `repository ${name} not found`);
    return repository;
  }

  async describe(name: string, description: string): Promise<void> {
    await setDescription(this.ctx.db, (await this.get(name)).id, description);
  }

  /**
   * Removes the repository with every artifact and tag; blob data stays for garbage collection. A
   * repository holding an immutable tag is kept whole (PRECONDITION, naming the tag).
   */
  async delete(name: string): Promise<void> {
    const repository = await this.get(name);
    await this.immutable.assertDeletable(name, await tagNames(this.ctx.db, repository.id));
    await retryConflicts(() => deleteRepositoryRows(this.ctx.db, repository.id, this.ctx.now()));
  }

  /** Repositories whose name contains the text, among those the caller can see. */
  search(text: string, visibility: Visibility | undefined, limit: number): Promise<RepositoryMatch[]> {
    return searchRepositories(
      this.ctx.db,
      text,
      visibility ? visibleCondition('p', visibility) : undefined,
      limit,
    );
  }
}
