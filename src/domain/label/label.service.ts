import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import type { Label, LabelAction, LabelCaller, LabelChanges, LabelQuery, NewLabel } from './label.model.js';
import {
  addArtifactLabel,
  deleteLabel,
  insertLabel,
  labelById,
  labelsOfArtifacts,
  listLabels,
  projectOfArtifact,
  removeArtifactLabel,
  updateLabel,
} from './label.repo.js';

/** Harbor's `Label.Valid()`: a name of 1 to 128 bytes; any characters. */
function assertName(name: string | undefined): string {
  if (name === undefined || name.length === 0)
    throw new BerthError('INVALID_INPUT', 'the label name cannot be empty');
  if (Buffer.byteLength(name) > 128)
    throw new BerthError('INVALID_INPUT', 'the label name is too long: max length is 128');
  return name;
}

/** Harbor stores colours in 16 characters (`#RRGGBB` in its portal). */
function assertColor(color: string | undefined): string {
  if (color !== undefined && color.length > 16)
    throw new BerthError('INVALID_INPUT', 'the label color is too long: max length is 16');
  return color ?? '';
}

const notFound = (id: number) => new BerthError('NOT_FOUND', `label ${id} not found`);

/**
 * Labels, as Harbor has them: global ones (scope `g`) that system administrators manage and every
 * project may use, and a project's own (scope `p`) that its members manage as their role allows;
 * artifacts carry any number of them.
 */
export class LabelService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  /**
   * Refuses the caller `action` on the labels of a scope: global labels are the system
   * administrators' (UNAUTHORIZED for anonymous callers, FORBIDDEN for the others); a project's
   * follow the caller's permissions there, and a project the caller may not see is NOT_FOUND.
   */
  private async authorize(
    caller: LabelCaller,
    label: Pick<Label, 'scope' | 'projectId'>,
    action: LabelAction,
    hidden: () => BerthError,
  ): Promise<void> {
    if (label.scope === 'g') {
      if (caller.sysadmin) return;
      if (!caller.authenticated) throw new BerthError('UNAUTHORIZED', 'authentication is required');
      throw new BerthError('FORBIDDEN', `only system administrators may ${action} global labels`);
    }
    if (!(await caller.seesProject(label.projectId))) throw hidden();
    if (await caller.mayInProject(label.projectId, action)) return;
    if (!caller.authenticated) throw new BerthError('UNAUTHORIZED', 'authentication is required');
    throw new BerthError('FORBIDDEN', `you may not ${action} the labels of project ${label.projectId}`);
  }

  /**
   * Harbor's label list: `scope` is required (`g` or `p`); global labels are listed to anyone, a
   * project's (`p`, with its `projectId`) to whoever may list them there.
   */
  async list(caller: LabelCaller, query: LabelQuery): Promise<Listed<Label>> {
    const scope = query.scope;
    if (scope !== 'g' && scope !== 'p')
      throw new BerthError('INVALID_INPUT', `invalid scope: ${(scope ?? '').slice(0, 20)}; use g or p`);
    let projectId: number | undefined;
    if (scope === 'p') {
      projectId = query.projectId;
      if (projectId === undefined || projectId <= 0)
        throw new BerthError(
          'INVALID_INPUT',
          'scope=p needs the project_id of the project whose labels to list',
        );
      const id = projectId;
      await this.authorize(
        caller,
        { scope, projectId: id },
        'list',
        () => new BerthError('NOT_FOUND', `project ${id} not found`),
      );
    }
    // The name parameter replaces a name term of q, as Harbor's handler overwrites it.
    const { name: _replaced, ...unnamed } = query.filters ?? {};
    return listLabels(
      this.ctx.db,
      {
        scope,
        projectId,
        name: query.name || undefined,
        filters: query.name ? unnamed : (query.filters ?? {}),
        sorts: query.sorts ?? [],
      },
      query,
    );
  }

  /** Creates a label; CONFLICT when its scope (and project) has one of that name already. */
  async create(caller: LabelCaller, input: NewLabel): Promise<Label> {
    const scope = input.scope;
    if (scope !== 'g' && scope !== 'p')
      throw new BerthError(
        'INVALID_INPUT',
        `unsupported label scope ${(scope ?? '').slice(0, 20)}: use g (global) or p (project)`,
      );
    const projectId = scope === 'g' ? 0 : (input.projectId ?? 0);
    if (scope === 'p' && projectId <= 0)
      throw new BerthError(
        'INVALID_INPUT',
        `invalid project_id ${projectId}: a project label needs its project`,
      );
    await this.authorize(
      caller,
      { scope, projectId },
      'create',
      () => new BerthError('NOT_FOUND', `project ${projectId} not found`),
    );
    const name = assertName(input.name);
    const label = await insertLabel(
      this.ctx.db,
      { name, description: input.description ?? '', color: assertColor(input.color), scope, projectId },
      this.ctx.now(),
    );
    if (!label) throw new BerthError('CONFLICT', `label ${name} already exists`);
    return label;
  }

  /** The label, when the caller may read it; NOT_FOUND when it does not exist or is hidden. */
  async get(caller: LabelCaller, id: number): Promise<Label> {
    const label = await labelById(this.ctx.db, id);
    if (!label) throw notFound(id);
    await this.authorize(caller, label, 'read', () => notFound(id));
    return label;
  }

  /**
   * Sets the label's name, description and colour as Harbor does: all three are replaced (one not
   * sent becomes empty); scope and project never change. CONFLICT on a name its scope already has.
   */
  async update(caller: LabelCaller, id: number, changes: LabelChanges): Promise<Label> {
    const label = await labelById(this.ctx.db, id);
    if (!label) throw notFound(id);
    await this.authorize(caller, label, 'update', () => notFound(id));
    const values = {
      name: assertName(changes.name),
      description: changes.description ?? '',
      color: assertColor(changes.color),
    };
    const outcome = await updateLabel(this.ctx.db, id, values, this.ctx.now());
    if (outcome === 'missing') throw notFound(id);
    if (outcome === 'conflict') throw new BerthError('CONFLICT', `label ${values.name} already exists`);
    return { ...label, ...values };
  }

  /** Deletes the label; every artifact that carried it stops carrying it. */
  async delete(caller: LabelCaller, id: number): Promise<Label> {
    const label = await labelById(this.ctx.db, id);
    if (!label) throw notFound(id);
    await this.authorize(caller, label, 'delete', () => notFound(id));
    if (!(await deleteLabel(this.ctx.db, id))) throw notFound(id);
    return label;
  }

  /**
   * Attaches label `labelId` to artifact (manifest) `artifactId`: a global label or one of the
   * artifact's project (another project's label is NOT_FOUND, as Harbor answers); CONFLICT when the
   * artifact carries it already. Whether the caller may label artifacts there is the caller's check.
   */
  async attach(artifactId: number, labelId: number): Promise<Label> {
    const label = await labelById(this.ctx.db, labelId);
    if (!label) throw notFound(labelId);
    const projectId = await projectOfArtifact(this.ctx.db, artifactId);
    if (projectId === undefined) throw new BerthError('NOT_FOUND', `artifact ${artifactId} not found`);
    if (label.scope === 'p' && label.projectId !== projectId)
      throw new BerthError('NOT_FOUND', `project id ${projectId}, label ${labelId} not found`);
    const outcome = await addArtifactLabel(this.ctx.db, artifactId, labelId, this.ctx.now());
    if (outcome === 'missing')
      throw new BerthError(
        'NOT_FOUND',
        `the reference tries to refer a non existing label ${labelId} or artifact ${artifactId}`,
      );
    if (outcome === 'exists')
      throw new BerthError('CONFLICT', `label ${labelId} is already added to the artifact ${artifactId}`);
    return label;
  }

  /** Detaches the label from the artifact; NOT_FOUND when the artifact does not carry it. */
  async detach(artifactId: number, labelId: number): Promise<void> {
    if (!(await removeArtifactLabel(this.ctx.db, artifactId, labelId)))
      throw new BerthError(
        'NOT_FOUND',
        `reference with label ${labelId} and artifact ${artifactId} not found`,
      );
  }

  /** The labels each artifact (manifest id) carries, by label id, in one query; artifacts without any are absent. */
  labelsOf(artifactIds: readonly number[]): Promise<Map<number, Label[]>> {
    return labelsOfArtifacts(this.ctx.db, artifactIds);
  }
}
