import type { Kysely } from 'kysely';
import { type Database, type Project, prepared } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { containsText } from '../sql.js';
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
] as const;

export type ProjectMetadata = Partial<Record<(typeof metadataKeys)[number], string>>;

const booleanKeys = new Set([
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
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
  readonly nameMatch?: { readonly value: string; readonly fuzzy: boolean } | undefined;
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
        `invalid project name "${name.slice(0, 80)}": lower-case letters, digits and . _ - between them`,
      );
    }
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
      this.repositoryCount(project.name),
    ]);
    return {
      ...project,
      meta: JSON.parse(project.metadata) as ProjectMetadata,
      ownerName: owner?.username ?? '',
      repoCount,
    };
  }

  async list(query: ProjectQuery): Promise<{ total: number; items: Project[] }> {
    let base = this.ctx.db.selectFrom('projects');
    if (query.name !== undefined) base = base.where('name', '=', query.name);
    if (query.nameMatch) {
      const { value, fuzzy } = query.nameMatch;
      base = fuzzy ? base.where(containsText('name', value)) : base.where('name', '=', value);
    }
    if (query.public !== undefined) base = base.where('public', '=', query.public ? 1 : 0);
    if (query.visibleTo) {
      const userId = query.visibleTo.userId;
      base = base.where((eb) =>
        eb.or([
          eb('public', '=', 1),
          ...(userId === undefined
            ? []
            : [
                eb.exists(
                  eb
                    .selectFrom('project_members as pm')
                    .select('pm.id')
                    .whereRef('pm.project_id', '=', 'projects.id')
                    .where('pm.entity_type', '=', 'u')
                    .where('pm.entity_id', '=', userId),
                ),
              ]),
        ]),
      );
    }
    const total = Number(
      (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    );
    const sort = query.sort ?? { column: 'id', desc: false };
    const items = await base
      .selectAll()
      .orderBy(sort.column, sort.desc ? 'desc' : 'asc')
      .orderBy('id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute();
    return { total, items };
  }

  async updateMetadata(project: Project, metadata: ProjectMetadata): Promise<void> {
    const merged = { ...(JSON.parse(project.metadata) as ProjectMetadata), ...metadata };
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

  /** Deletes an empty project; one that still holds repositories is refused (PRECONDITION_FAILED). */
  async delete(project: Project): Promise<void> {
    if ((await this.repositoryCount(project.name)) > 0) {
      throw new BerthError(
        'PRECONDITION_FAILED',
        `the project ${project.name} still holds repositories; delete them first`,
      );
    }
    await this.ctx.db.deleteFrom('projects').where('id', '=', project.id).execute();
  }

  /** Repositories named `<project>/…`, found by a range on the byte-ordered name index. */
  async repositoryCount(projectName: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('repositories')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('name', '>=', `${projectName}/`)
      .where('name', '<', `${projectName}0`)
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
