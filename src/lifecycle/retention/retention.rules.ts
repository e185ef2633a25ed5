import picomatch from 'picomatch';
import isSafeRegex from 'safe-regex2';
import { BerthError } from '../../lib/errors.js';
import {
  type Candidate,
  type RetentionPolicy,
  type RetentionRule,
  type RetentionSelector,
  type Template,
  templates,
} from './retention.model.js';

const dayMs = 86_400_000;

/** What each template keeps, from the candidates the rule's selectors let through. */
const evaluators: Readonly<
  Record<
    Template,
    (params: Readonly<Record<string, number>>, now: number) => (c: readonly Candidate[]) => Candidate[]
  >
> = {
  latestPushedK: (p) => (c) =>
    [...c].sort((a, b) => b.pushedTime - a.pushedTime).slice(0, p.latestPushedK ?? 10),
  latestPulledN: (p) => (c) =>
    [...c].sort((a, b) => b.pulledTime - a.pulledTime).slice(0, p.latestPulledN ?? 10),
  nDaysSinceLastPush: (p, now) => (c) =>
    c.filter((a) => a.pushedTime >= now - (p.nDaysSinceLastPush ?? 30) * dayMs),
  nDaysSinceLastPull: (p, now) => (c) =>
    c.filter((a) => a.pulledTime > 0 && a.pulledTime >= now - (p.nDaysSinceLastPull ?? 30) * dayMs),
  always: () => (c) => [...c],
};

const parameterOf: Readonly<Record<Template, string | undefined>> = {
  latestPushedK: 'latestPushedK',
  latestPulledN: 'latestPulledN',
  nDaysSinceLastPush: 'nDaysSinceLastPush',
  nDaysSinceLastPull: 'nDaysSinceLastPull',
  always: undefined,
};

function textMatcher(selector: RetentionSelector): (text: string) => boolean {
  if (selector.pattern === '') return () => true;
  if (selector.kind === 'regex') {
    const re = new RegExp(`^(?:${selector.pattern})$`);
    return (text) => re.test(text);
  }
  return picomatch(selector.pattern, { dot: true });
}

/**
 * Whether untagged artifacts pass a tag selector, as Harbor reads `extras`: `untagged` defaults to
 * true for matches (they pass) and false for excludes (they pass too); `{"untagged": true}` lets
 * them through a matches selector and keeps them out of an excludes one.
 */
function untagged(selector: RetentionSelector): boolean {
  const excludes = selector.decoration === 'excludes';
  let flag = !excludes;
  if (selector.extras) {
    try {
      const extras = JSON.parse(selector.extras) as { untagged?: unknown };
      if (typeof extras.untagged === 'boolean') flag = extras.untagged;
    } catch {
      // Harbor ignores extras it cannot read.
    }
  }
  return excludes ? !flag : flag;
}

/** A selector over candidates: tags (any tag matches, or any does not), or labels (all, or none). */
function candidateFilter(selector: RetentionSelector): (c: Candidate) => boolean {
  if (selector.kind === 'label') {
    const names = selector.pattern
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    return selector.decoration === 'withoutLabels'
      ? (c) => !names.some((n) => c.labels.includes(n))
      : (c) => names.every((n) => c.labels.includes(n));
  }
  const matches = textMatcher(selector);
  const passUntagged = untagged(selector);
  return selector.decoration === 'excludes'
    ? (c) => (c.tags.length === 0 ? passUntagged : c.tags.some((t) => !matches(t)))
    : (c) => (c.tags.length === 0 ? passUntagged : c.tags.some((t) => matches(t)));
}

/** Whether the rule's repository selectors (all of them) select the repository name without its project. */
export function selectsRepository(rule: RetentionRule, name: string): boolean {
  return (rule.scope_selectors.repository ?? []).every((s) => {
    const matched = textMatcher(s)(name);
    return s.decoration === 'repoExcludes' ? !matched : matched;
  });
}

/**
 * Harbor's `or` algorithm: each enabled rule with tag selectors keeps what its selectors let through
 * and its template chooses; what any rule keeps stays, the rest goes. A rule without tag selectors
 * keeps nothing (as Harbor, which drops it).
 */
export function retained(
  rules: readonly RetentionRule[],
  candidates: readonly Candidate[],
  now: number,
): Set<number> {
  const kept = new Set<number>();
  for (const rule of rules) {
    if (rule.disabled || rule.tag_selectors.length === 0) continue;
    const filters = rule.tag_selectors.map(candidateFilter);
    const passed = candidates.filter((c) => filters.every((f) => f(c)));
    for (const c of evaluators[rule.template](rule.params, now)(passed)) kept.add(c.id);
  }
  return kept;
}

const decorations: Readonly<Record<string, readonly string[]>> = {
  tag: ['matches', 'excludes'],
  repository: ['repoMatches', 'repoExcludes'],
  label: ['withLabels', 'withoutLabels'],
};

function assertSelector(selector: RetentionSelector, where: 'tag' | 'repository'): void {
  const kinds = where === 'tag' ? ['doublestar', 'regex', 'label'] : ['doublestar', 'regex'];
  if (!kinds.includes(selector.kind))
    throw new BerthError(
      'INVALID_INPUT',
      `selector ${String(selector.kind).slice(0, 40)} is not registered for ${where}s`,
    );
  const allowed = decorations[selector.kind === 'label' ? 'label' : where] ?? [];
  if (!allowed.includes(selector.decoration))
    throw new BerthError(
      'INVALID_INPUT',
      `decoration ${selector.decoration.slice(0, 40)} is not one of ${allowed.join(', ')} for ${selector.kind} ${where} selectors`,
    );
  try {
    if (selector.kind !== 'label') textMatcher(selector);
  } catch {
    throw new BerthError(
      'INVALID_INPUT',
      `pattern ${selector.pattern.slice(0, 100)} is not a valid ${selector.kind} pattern`,
    );
  }
  // A regular expression that could backtrack without end (`(a+)+`) would stall the process.
  if (selector.kind === 'regex' && (selector.pattern.length > 256 || !isSafeRegex(selector.pattern)))
    throw new BerthError(
      'INVALID_INPUT',
      `pattern ${selector.pattern.slice(0, 100)} is not a safe regex pattern`,
    );
}

/**
 * Harbor's checks of a policy (at most 15 rules, no rule twice: 409 naming both), and what Harbor
 * leaves to the run, checked up front: templates, their parameters (whole numbers, 0 to 32,766 for
 * counts and to 20,190,904 for days, as Harbor's) and selectors.
 */
export function assertPolicy(policy: Omit<RetentionPolicy, 'id'>): void {
  if (policy.rules.length > 15) throw new BerthError('INVALID_INPUT', 'only 15 rules are allowed at most');
  const keys = policy.rules.map((r) => JSON.stringify({ ...r, id: 0 }));
  keys.forEach((key, i) => {
    const j = keys.indexOf(key);
    if (j !== i) throw new BerthError('CONFLICT', `rule ${i} is conflict with rule ${j}`);
  });
  if (policy.scope.level !== 'project')
    throw new BerthError('INVALID_INPUT', `scope ${String(policy.scope.level).slice(0, 40)} is not support`);
  for (const rule of policy.rules) {
    if (!templates.includes(rule.template))
      throw new BerthError(
        'INVALID_INPUT',
        `rule evaluator ${String(rule.template).slice(0, 40)} is not registered`,
      );
    const key = parameterOf[rule.template];
    if (key !== undefined) {
      const value = rule.params[key];
      if (value === undefined)
        throw new BerthError('INVALID_INPUT', `missing required parameter ${key} for rule ${rule.template}`);
      if (!Number.isInteger(value)) throw new BerthError('INVALID_INPUT', `${key} type error`);
      if (value < 0) throw new BerthError('INVALID_INPUT', `${key} is less than zero`);
      const max = rule.template.startsWith('nDays') ? 20_190_904 : 32_766;
      if (value > max) throw new BerthError('INVALID_INPUT', `${key} is too large`);
    }
    // A rule without them would select every repository and keep nothing in it: refused.
    if (rule.tag_selectors.length === 0)
      throw new BerthError('INVALID_INPUT', `rule ${rule.template} needs at least one tag selector`);
    if ((rule.scope_selectors.repository ?? []).length === 0)
      throw new BerthError('INVALID_INPUT', `rule ${rule.template} needs at least one repository selector`);
    for (const s of rule.tag_selectors) assertSelector(s, 'tag');
    for (const s of rule.scope_selectors.repository ?? []) assertSelector(s, 'repository');
  }
}
