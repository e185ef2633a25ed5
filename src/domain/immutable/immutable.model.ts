/** One of Harbor's selectors: a doublestar pattern that a tag or repository matches or is excluded by. */
export interface Selector {
  readonly kind: 'doublestar';
  /** Tags: `matches` or `excludes`; repositories: `repoMatches` or `repoExcludes`. */
  readonly decoration: 'matches' | 'excludes' | 'repoMatches' | 'repoExcludes';
  readonly pattern: string;
  readonly extras?: string | undefined;
}

/** A project's immutable tag rule (Harbor's ImmutableRule). */
export interface ImmutableRule {
  readonly id: number;
  readonly projectId: number;
  readonly priority: number;
  readonly disabled: boolean;
  readonly tagSelectors: readonly Selector[];
  readonly scopeSelectors: { readonly repository: readonly Selector[] };
}

export type NewImmutableRule = Omit<ImmutableRule, 'id' | 'projectId'>;
