/** Harbor's RetentionSelector; Berth adds the `regex` kind (Harbor #12877) and honours `label`. */
export interface RetentionSelector {
  readonly kind: 'doublestar' | 'regex' | 'label';
  /** doublestar/regex tags: matches, excludes; repositories: repoMatches, repoExcludes; label: withLabels, withoutLabels. */
  readonly decoration: string;
  readonly pattern: string;
  /** JSON text: `{"untagged": true}` counts untagged artifacts in (matches) or out (excludes). */
  readonly extras?: string | undefined;
}

export const templates = [
  'latestPushedK',
  'latestPulledN',
  'nDaysSinceLastPush',
  'nDaysSinceLastPull',
  'always',
] as const;
export type Template = (typeof templates)[number];

/** Harbor's RetentionRule. */
export interface RetentionRule {
  readonly id: number;
  readonly priority: number;
  readonly disabled: boolean;
  readonly action: 'retain';
  readonly template: Template;
  readonly params: Readonly<Record<string, number>>;
  readonly tag_selectors: readonly RetentionSelector[];
  readonly scope_selectors: { readonly repository?: readonly RetentionSelector[] };
}

/** Harbor's RetentionPolicy: rules OR'd, a trigger (a cron schedule, or none) and the project it is for. */
export interface RetentionPolicy {
  readonly id: number;
  readonly algorithm: 'or';
  readonly rules: readonly RetentionRule[];
  readonly trigger: { readonly kind: 'Schedule'; readonly settings: { readonly cron?: string | undefined } };
  readonly scope: { readonly level: 'project'; readonly ref: number };
}

/** An artifact as retention judges it: Harbor's candidate. */
export interface Candidate {
  readonly id: number;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly labels: readonly string[];
  /** The latest push of the artifact or any of its tags. */
  readonly pushedTime: number;
  /** The latest pull of the artifact or any of its tags (0: never). */
  readonly pulledTime: number;
  readonly createdTime: number;
}

export interface RetentionParameters {
  readonly policyId: number;
  readonly dryRun: boolean;
}

export type RetentionRun = import('../../jobs/index.js').SystemRun<
  RetentionParameters,
  Record<string, never>
>;
