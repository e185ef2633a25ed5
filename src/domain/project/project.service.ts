import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { type Database, type Project, prepared } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { countAndPage, type Listed } from '../pagination.js';
import { containsText, matchesText, type TextFilter } from '../query.js';
import { projectNameOf } from '../repository/index.js';
import { ProjectRole } from './roles.js';

/** Harbor's metadata keys; every value is a string ("true"/"false" for flags). */
export const metadataKeys = [
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'severity',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
  /** Berth's own: with prevent_vul, also refuse pulls of images not scanned (successfully) yet. */
  'prevent_unscanned',
] as const;

export type ProjectMetadata = Partial<Record<(typeof metadataKeys)[number], string>>;

/** The project's metadata (Harbor's string values), as stored. */
export const metadataOf = (project: Project): ProjectMetadata =>
  JSON.parse(project.metadata) as ProjectMetadata;

const booleanKeys = new Set([
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
  'prevent_unscanned',
]);
const severities = new Set(['none', 'low', 'medium', 'high', 'critical']);

// A project name is one repository path component, as Harbor restricts it.
const projectNamePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export interface ProjectView extends Project {
  readonly meta: ProjectMetadata;
  readonly ownerName: string;
  readonly repoCount: number;
}

export interface ProjectQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly name?: string | undefined;
  /** Exact-name or fuzzy match, from Harbor's `q` (name=x, name=~x). */
  readonly nameMatch?: TextFilter | undefined;
  readonly public?: boolean | undefined;
  /** Only projects this user can see (public ones and those they are a member of); undefined: all. */
  readonly visibleTo?: { readonly userId: number | undefined } | undefined;
  readonly sort?:
    | { readonly column: 'name' | 'created_at' | 'updated_at' | 'id'; readonly desc: boolean }
    | undefined;
}

export function validateMetadata(input: Record<string, unknown>): ProjectMetadata {
  const out: ProjectMetadata = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(metadataKeys as readonly string[]).includes(key))
      throw new BerthError('INVALID_INPUT', `unknown project metadata key ${key.slice(0, 60)}`);
    if (typeof value !== 'string')
      throw new BerthError('INVALID_INPUT', `project metadata ${key} must be a string`);
    const v = value.toLowerCase();
    if (booleanKeys.has(key) && v !== 'true' && v !== 'false')
      throw new BerthError('INVALID_INPUT', `project metadata ${key} must be "true" or "false"`);
    if (key === 'severity' && !severities.has(v))
      throw new BerthError('INVALID_INPUT', 'severity must be one of none, low, medium, high, critical');
    out[key as keyof ProjectMetadata] = v;
  }
  return out;
}

/** Public projects, and those the user (when there is one) is a member of. */
function visibleTo(table: 'projects' | 'p', userId: number | undefined): Expression<SqlBool> {
  const isPublic = sql<SqlBool>`${sql.ref(`${table}.public`)} = 1`;
  if (userId === undefined) return isPublic;
  return sql<SqlBool>`(${isPublic} or exists (select 1 from project_members pm
    where pm.project_id = ${sql.ref(`${table}.id`)} and pm.entity_type = 'u' and pm.entity_id = ${userId}))`;
}

export interface RepositoryMatch {
  readonly projectId: number;
  readonly projectName: string;
  readonly projectPublic: boolean;
  readonly name: string;
  readonly pullCount: number;
}

export interface Statistics {
  readonly privateProjects: number;
  readonly publicProjects: number;
  readonly privateRepositories: number;
  readonly publicRepositories: number;
  readonly totalProjects: number;
  readonly totalRepositories: number;
  readonly storageBytes: number;
}

const projectByName = prepared((db: Kysely<Database>, name: string) =>
  db.selectFrom('projects').selectAll().where('name', '=', name),
);
const projectById = prepared((db: Kysely<Database>, id: number) =>
  db.selectFrom('projects').selectAll().where('id', '=', id),
);

/** Projects: the first path component of a repository name, with a public flag and Harbor's metadata. */
export class ProjectService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  async create(name: string, ownerId: number, metadata: ProjectMetadata): Promise<Project> {
    if (name.length > 255 || !projectNamePattern.test(name)) {
      throw new BerthError(
        'INVALID_INPUT',
        `invalid project name "${name.slice(0, 80)}": 1 to 255 lower-case letters, digits and . _ - between them`,
      );
    }
    // A name of digits alone would read as a project id wherever Harbor takes a name or an id.
    if (/^\d+$/.test(name))
      throw new BerthError('INVALID_INPUT', `invalid project name "${name}": it must not be all digits`);
    const now = this.ctx.now();
    const meta = { public: 'false', ...metadata };
    return this.ctx.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('projects')
        .values({
          name,
          owner_id: ownerId,
          public: meta.public === 'true' ? 1 : 0,
          metadata: JSON.stringify(meta),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) throw new BerthError('CONFLICT', `the project ${name} already exists`);
      await tx
        .insertInto('project_members')
        .values({
          project_id: inserted.id,
          entity_type: 'u',
          entity_id: ownerId,
          role: ProjectRole.projectAdmin,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return inserted;
    });
  }

  async find(nameOrId: string | number): Promise<Project | undefined> {
    const rows =
      typeof nameOrId === 'number'
        ? await projectById(this.ctx.db, nameOrId)
        : await projectByName(this.ctx.db, nameOrId);
    return rows[0];
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

  async view(project: Project): Promise<ProjectView> {
    const [owner, repoCount] = await Promise.all([
      this.ctx.db
        .selectFrom('users')
        .select('username')
        .where('id', '=', project.owner_id)
        .executeTakeFirst(),
      this.repositoryCount(project.id),
    ]);
    return {
      ...project,
      meta: metadataOf(project),
      ownerName: owner?.username ?? '',
      repoCount,
    };
  }

  async list(query: ProjectQuery): Promise<Listed<Project>> {
    let base = this.ctx.db.selectFrom('projects');
    if (query.name !== undefined) base = base.where('name', '=', query.name);
    if (query.nameMatch) base = base.where(matchesText('name', query.nameMatch));
    if (query.public !== undefined) base = base.where('public', '=', query.public ? 1 : 0);
    if (query.visibleTo) {
      const userId = query.visibleTo.userId;
      base = base.where(visibleTo('projects', userId));
    }
    const sort = query.sort ?? { column: 'id', desc: false };
    return countAndPage(base, query, (q) =>
      q
        .selectAll()
        .orderBy(sort.column, sort.desc ? 'desc' : 'asc')
        .orderBy('id')
        .execute(),
    );
  }

  async updateMetadata(project: Project, metadata: ProjectMetadata): Promise<void> {
    const merged = { ...metadataOf(project), ...metadata };
    await this.ctx.db
      .updateTable('projects')
      .set({
        metadata: JSON.stringify(merged),
        public: merged.public === 'true' ? 1 : 0,
        updated_at: this.ctx.now(),
      })
      .where('id', '=', project.id)
      .execute();
  }

  /** Removes one metadata key; `public` is part of every project and can only be changed. */
  async deleteMetadata(project: Project, key: string): Promise<void> {
    const current: Record<string, string | undefined> = metadataOf(project);
    if (key === 'public') throw new BerthError('INVALID_INPUT', 'public cannot be removed, only set');
    if (current[key] === undefined)
      throw new BerthError('NOT_FOUND', `project ${project.name} has no metadata ${key.slice(0, 60)}`);
    delete current[key];
    await this.ctx.db
      .updateTable('projects')
      .set({ metadata: JSON.stringify(current), updated_at: this.ctx.now() })
      .where('id', '=', project.id)
      .execute();
  }

  /** Deletes an empty project; one that still holds repositories is refused (PRECONDITION_FAILED). */
  async delete(project: Project): Promise<void> {
    if ((await this.repositoryCount(project.id)) > 0) {
      throw new BerthError(
        'PRECONDITION_FAILED',
        `the project ${project.name} still holds repositories; delete them first`,
      );
    }
    await this.ctx.db.deleteFrom('projects').where('id', '=', project.id).execute();
  }

  /** How many repositories the project holds. */
  async repositoryCount(projectId: number): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('repositories')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async memberCounts(projectId: number): Promise<Record<number, number>> {
    const rows = await this.ctx.db
      .selectFrom('project_members')
      .select(['role', (eb) => eb.fn.countAll<number>().as('n')])
      .where('project_id', '=', projectId)
      .groupBy('role')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.role, Number(r.n)]));
  }

  /**
   * Repositories whose name contains the text, in projects the user can see (all, for `undefined`
   * visibility: administrators), at most `limit` of them by name.
   */
  async searchRepositories(
    text: string,
    visible: { readonly userId: number | undefined } | undefined,
    limit: number,
  ): Promise<RepositoryMatch[]> {
    let query = this.repositoriesWithProject().where(containsText('r.name', text));
    if (visible) query = query.where(visibleTo('p', visible.userId));
    const rows = await query
      .select(['p.id as project_id', 'p.name as project_name', 'p.public', 'r.name', 'r.pull_count'])
      .orderBy('r.name')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      projectId: r.project_id,
      projectName: r.project_name,
      projectPublic: r.public === 1,
      name: r.name,
      pullCount: Number(r.pull_count),
    }));
  }

  /**
   * Private projects and repositories the caller can see (all, for `undefined` visibility), public
   * ones, the totals and the bytes stored; the route shows the totals to administrators only.
   */
  async statistics(visible: { readonly userId: number | undefined } | undefined): Promise<Statistics> {
    const db = this.ctx.db;
    const count = (n: { n: number | string | bigint } | undefined) => Number(n?.n ?? 0);
    const projectsBy = async (isPublic: boolean, member: boolean) => {
      let q = db.selectFrom('projects as p').where('p.public', '=', isPublic ? 1 : 0);
      if (member && visible) q = q.where(visibleTo('p', visible.userId));
      return count(await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst());
    };
    const repositoriesBy = async (isPublic: boolean | undefined, member: boolean) => {
      let q = this.repositoriesWithProject();
      if (isPublic !== undefined) q = q.where('p.public', '=', isPublic ? 1 : 0);
      if (member && visible) q = q.where(visibleTo('p', visible.userId));
      return count(await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst());
    };
    const [privateProjects, publicProjects, privateRepositories, publicRepositories, totalRepositories] =
      await Promise.all([
        projectsBy(false, true),
        projectsBy(true, false),
        repositoriesBy(false, true),
        repositoriesBy(true, false),
        repositoriesBy(undefined, false),
      ]);
    const totals = await db
      .selectFrom('projects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const bytes = await db
      .selectFrom('blobs')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('n'))
      .executeTakeFirst();
    return {
      privateProjects,
      publicProjects,
      privateRepositories,
      publicRepositories,
      totalProjects: count(totals),
      totalRepositories,
      storageBytes: count(bytes),
    };
  }

  /** Repositories joined to their project. */
  private repositoriesWithProject() {
    return this.ctx.db.selectFrom('repositories as r').innerJoin('projects as p', 'p.id', 'r.project_id');
  }

  /** The roles a user holds in a project (empty when not a member). */
  async rolesOf(projectId: number, userId: number): Promise<number[]> {
    const rows = await this.ctx.db
      .selectFrom('project_members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('entity_type', '=', 'u')
      .where('entity_id', '=', userId)
      .execute();
    return rows.map((r) => r.role);
  }
}
