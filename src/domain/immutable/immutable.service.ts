import picomatch from 'picomatch';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import { projectNameOf } from '../project/index.js';
import type { ImmutableRule, NewImmutableRule, Selector } from './immutable.model.js';
import { deleteRule, insertRule, rulesOf, rulesOfProjectNamed, updateRule } from './immutable.repo.js';

/** Harbor's doublestar: `*` within a path segment, `**` across them, braces, classes; dot names too. */
const compile = (pattern: string): ((text: string) => boolean) =>
  pattern === '' ? () => true : picomatch(pattern, { dot: true });

/** Whether a selector selects the text: `matches`/`repoMatches` when it matches, the others when it does not. */
function selects(selector: Selector, matcher: (text: string) => boolean, text: string): boolean {
  const matched = matcher(text);
  return selector.decoration === 'matches' || selector.decoration === 'repoMatches' ? matched : !matched;
}

interface Compiled {
  readonly id: number;
  readonly repository: readonly [Selector, (text: string) => boolean][];
  readonly tag: readonly [Selector, (text: string) => boolean][];
}

/** Tells which tags of one repository are immutable. */
export type ImmutableMatcher = (tag: string) => number | undefined;

/**
 * Projects' immutable tag rules (Harbor's): a tag is immutable when an enabled rule's repository
 * selectors select the repository's name without its project (`app` for `team/app`, as Harbor) and
 * its tag selectors select the tag. An immutable tag is never moved to another digest nor deleted;
 * pushing the digest it names again is allowed. Rules are kept in memory per project, dropped when
 * any process changes a rule (the `immutable` cache topic) or a project (`projects`).
 */
export class ImmutableRules {
  private readonly cache = new Map<string, Promise<readonly Compiled[]>>();

  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {
    const drop = () => this.cache.clear();
    ctx.signals.on('immutable', drop);
    ctx.signals.on('projects', drop);
  }

  async list(projectId: number, page: { offset: number; limit: number }): Promise<Listed<ImmutableRule>> {
    const rules = await rulesOf(this.ctx.db, projectId);
    return { total: rules.length, items: rules.slice(page.offset, page.offset + page.limit) };
  }

  /** Adds a rule; the same rule twice in a project is Harbor's 409. */
  async create(projectId: number, rule: NewImmutableRule): Promise<number> {
    assertValid(rule);
    const existing = await rulesOf(this.ctx.db, projectId);
    if (existing.some((r) => sameRule(r, rule)))
      throw new BerthError('CONFLICT', 'immutable rule already exists');
    const id = await insertRule(this.ctx.db, projectId, rule, this.ctx.now());
    await this.changed();
    return id;
  }

  async update(projectId: number, id: number, rule: NewImmutableRule): Promise<void> {
    assertValid(rule);
    if (!(await updateRule(this.ctx.db, projectId, id, rule, this.ctx.now())))
      throw new BerthError('NOT_FOUND', `immutable rule ${id} not found`);
    await this.changed();
  }

  async remove(projectId: number, id: number): Promise<void> {
    if (!(await deleteRule(this.ctx.db, projectId, id)))
      throw new BerthError('NOT_FOUND', `immutable rule ${id} not found`);
    await this.changed();
  }

  /** Which of a repository's tags are immutable, by the rule that makes them so (undefined: none). */
  async matcher(repository: string): Promise<ImmutableMatcher> {
    const project = projectNameOf(repository);
    const rules = await this.compiled(project);
    if (rules.length === 0) return () => undefined;
    const name = repository.slice(project.length + 1);
    const applying = rules.filter((r) => r.repository.every(([s, m]) => selects(s, m, name)));
    return (tag) => applying.find((r) => r.tag.every(([s, m]) => selects(s, m, tag)))?.id;
  }

  /** Refuses to delete any of the tags that is immutable (Harbor's 412 PRECONDITION, naming it). */
  async assertDeletable(repository: string, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    (await this.deletionGuard(repository))(tags);
  }

  /**
   * A check of the repository's tags against its rules that needs no database (read the rules first,
   * then use it inside a transaction: on SQLite's one connection a read beside the transaction waits).
   */
  async deletionGuard(repository: string): Promise<(tags: readonly string[]) => void> {
    const immutable = await this.matcher(repository);
    return (tags) => {
      const tag = tags.find((t) => immutable(t) !== undefined);
      if (tag !== undefined)
        throw new BerthError(
          'PRECONDITION_FAILED',
          `the tag ${tag} configured as immutable, cannot be deleted (rule ${immutable(tag)})`,
        );
    };
  }

  /** Refuses to move an immutable tag to another digest (a push of the same digest is allowed). */
  async assertMovable(repository: string, tag: string, from: string | undefined, to: string): Promise<void> {
    if (from === undefined || from === to) return;
    const rule = (await this.matcher(repository))(tag);
    if (rule !== undefined)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `Failed to process request due to '${repository.slice(repository.indexOf('/') + 1)}:${tag}' configured as immutable (rule ${rule}): it names ${from} and cannot be moved`,
      );
  }

  private compiled(project: string): Promise<readonly Compiled[]> {
    let rules = this.cache.get(project);
    if (!rules) {
      if (this.cache.size >= 10_000) this.cache.clear();
      rules = rulesOfProjectNamed(this.ctx.db, project).then((found) =>
        found
          .filter((r) => !r.disabled)
          .map((r) => ({
            id: r.id,
            repository: r.scopeSelectors.repository.map((s) => [s, compile(s.pattern)] as const),
            tag: r.tagSelectors.map((s) => [s, compile(s.pattern)] as const),
          })),
      );
      rules.catch(() => this.cache.delete(project));
      this.cache.set(project, rules);
    }
    return rules;
  }

  private async changed(): Promise<void> {
    await this.ctx.signals.raise('immutable');
  }
}

function assertValid(rule: NewImmutableRule): void {
  const selectors = [...rule.tagSelectors, ...rule.scopeSelectors.repository];
  if (rule.tagSelectors.length === 0 || rule.scopeSelectors.repository.length === 0)
    throw new BerthError('INVALID_INPUT', 'a rule needs a tag selector and a repository selector');
  for (const s of selectors) {
    if (s.kind !== 'doublestar')
      throw new BerthError(
        'INVALID_INPUT',
        `selector kind ${String(s.kind).slice(0, 40)} is not supported; use doublestar`,
      );
    try {
      compile(s.pattern);
    } catch {
      throw new BerthError(
        'INVALID_INPUT',
        `selector pattern ${s.pattern.slice(0, 100)} is not a valid pattern`,
      );
    }
  }
  for (const s of rule.tagSelectors)
    if (s.decoration !== 'matches' && s.decoration !== 'excludes')
      throw new BerthError(
        'INVALID_INPUT',
        `a tag selector's decoration is matches or excludes, not ${s.decoration}`,
      );
  for (const s of rule.scopeSelectors.repository)
    if (s.decoration !== 'repoMatches' && s.decoration !== 'repoExcludes')
      throw new BerthError(
        'INVALID_INPUT',
        `a repository selector's decoration is repoMatches or repoExcludes, not ${s.decoration}`,
      );
}

const selectorKey = (s: Selector) => `${s.decoration} ${s.pattern}`;

function sameRule(a: NewImmutableRule, b: NewImmutableRule): boolean {
  const key = (r: NewImmutableRule) =>
    JSON.stringify([
      r.disabled,
      r.tagSelectors.map(selectorKey),
      r.scopeSelectors.repository.map(selectorKey),
    ]);
  return key(a) === key(b);
}
