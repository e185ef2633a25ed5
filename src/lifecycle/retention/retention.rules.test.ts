import { describe, expect, it } from 'vitest';
import type { Candidate, RetentionRule, RetentionSelector } from './retention.model.js';
import { assertPolicy, retained, selectsRepository } from './retention.rules.js';

const day = 86_400_000;
const now = 100 * day;

const candidate = (
  id: number,
  tags: string[],
  pushedDaysAgo: number,
  pulledDaysAgo?: number,
  labels: string[] = [],
): Candidate => ({
  id,
  digest: `sha256:${id}`,
  tags,
  labels,
  pushedTime: now - pushedDaysAgo * day,
  pulledTime: pulledDaysAgo === undefined ? 0 : now - pulledDaysAgo * day,
  createdTime: now - pushedDaysAgo * day,
});

const rule = (
  template: RetentionRule['template'],
  params: Record<string, number>,
  tags: RetentionSelector[],
): RetentionRule => ({
  id: 1,
  priority: 0,
  disabled: false,
  action: 'retain',
  template,
  params,
  tag_selectors: tags,
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});

const all: RetentionSelector = { kind: 'doublestar', decoration: 'matches', pattern: '**' };
const candidates = [
  candidate(1, ['v1'], 50, 1),
  candidate(2, ['v2'], 40),
  candidate(3, ['v3', 'latest'], 3, 20),
  candidate(4, [], 1),
  candidate(5, ['dev-1'], 2, 2, ['qa']),
];

describe("retention's templates and selectors, as Harbor evaluates them", () => {
  it('keeps the latest pushed or pulled, or those pushed or pulled within days', () => {
    expect(
      [...retained([rule('latestPushedK', { latestPushedK: 2 }, [all])], candidates, now)].sort(),
    ).toEqual([4, 5]);
    expect([...retained([rule('latestPulledN', { latestPulledN: 1 }, [all])], candidates, now)]).toEqual([1]);
    expect(
      [...retained([rule('nDaysSinceLastPush', { nDaysSinceLastPush: 5 }, [all])], candidates, now)].sort(),
    ).toEqual([3, 4, 5]);
    // Never pulled is never "pulled within".
    expect(
      [...retained([rule('nDaysSinceLastPull', { nDaysSinceLastPull: 10 }, [all])], candidates, now)].sort(),
    ).toEqual([1, 5]);
    expect(retained([rule('always', {}, [all])], candidates, now).size).toBe(5);
    // A rule without tag selectors keeps nothing (Harbor drops it); a disabled one neither.
    expect(retained([rule('always', {}, [])], candidates, now).size).toBe(0);
    expect(retained([{ ...rule('always', {}, [all]), disabled: true }], candidates, now).size).toBe(0);
  });

  it('reads matches, excludes, untagged and labels as Harbor does, and ORs the rules', () => {
    const v: RetentionSelector = { kind: 'doublestar', decoration: 'matches', pattern: 'v*' };
    expect([...retained([rule('always', {}, [v])], candidates, now)].sort()).toEqual([1, 2, 3, 4]);
    const vNoUntagged = { ...v, extras: '{"untagged":false}' };
    expect([...retained([rule('always', {}, [vNoUntagged])], candidates, now)].sort()).toEqual([1, 2, 3]);
    // excludes selects an artifact with any tag that does not match; untagged ones by default.
    const notV: RetentionSelector = { kind: 'doublestar', decoration: 'excludes', pattern: 'v*' };
    expect([...retained([rule('always', {}, [notV])], candidates, now)].sort()).toEqual([3, 4, 5]);
    expect(
      [...retained([rule('always', {}, [{ ...notV, extras: '{"untagged":true}' }])], candidates, now)].sort(),
    ).toEqual([3, 5]);
    const regex: RetentionSelector = {
      kind: 'regex',
      decoration: 'matches',
      pattern: 'dev-\\d+',
      extras: '{"untagged":false}',
    };
    expect([...retained([rule('always', {}, [regex])], candidates, now)]).toEqual([5]);
    const labelled: RetentionSelector = { kind: 'label', decoration: 'withLabels', pattern: 'qa' };
    expect([...retained([rule('always', {}, [all, labelled])], candidates, now)]).toEqual([5]);
    const both = [rule('latestPushedK', { latestPushedK: 1 }, [vNoUntagged]), rule('always', {}, [regex])];
    expect([...retained(both, candidates, now)].sort()).toEqual([3, 5]);
  });

  it('selects repositories without their project, and refuses bad policies', () => {
    const r = {
      ...rule('always', {}, [all]),
      scope_selectors: {
        repository: [{ kind: 'doublestar' as const, decoration: 'repoExcludes', pattern: 'tmp/**' }],
      },
    };
    expect(selectsRepository(r, 'app')).toBe(true);
    expect(selectsRepository(r, 'tmp/x')).toBe(false);
    const policy = {
      algorithm: 'or' as const,
      trigger: { kind: 'Schedule' as const, settings: {} },
      scope: { level: 'project' as const, ref: 1 },
    };
    expect(() =>
      assertPolicy({ ...policy, rules: [rule('latestPushedK', { latestPushedK: -1 }, [all])] }),
    ).toThrow('latestPushedK is less than zero');
    expect(() =>
      assertPolicy({ ...policy, rules: [rule('latestPushedK', { latestPushedK: 40_000 }, [all])] }),
    ).toThrow('latestPushedK is too large');
    expect(() =>
      assertPolicy({ ...policy, rules: [rule('latestPushedK', { latestPushedK: 1.5 }, [all])] }),
    ).toThrow('latestPushedK type error');
    expect(() =>
      assertPolicy({ ...policy, rules: [rule('always', {}, [{ ...all, kind: 'regex', pattern: '(' }])] }),
    ).toThrow('is not a valid regex pattern');
  });
});
