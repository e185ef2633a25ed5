/** A Docker registry token scope: `repository:team/app:pull,push` or `registry:catalog:*`. */
export interface Scope {
  readonly type: 'repository' | 'registry';
  readonly name: string;
  readonly actions: readonly string[];
}

/** The `access` claim entries of a token: what was granted, by resource. */
export type Access = Scope;

const registryActions = new Set(['pull', 'push', 'delete', '*']);

/** Parses `scope` values; unknown types and malformed ones are dropped, as the token spec allows. */
export function parseScopes(values: readonly string[]): Scope[] {
  const scopes: Scope[] = [];
  for (const value of values.flatMap((v) => v.split(' '))) {
    const first = value.indexOf(':');
    const last = value.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    const type = value.slice(0, first).replace(/\(.*\)$/, '');
    const name = value.slice(first + 1, last);
    const actions = value
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== '');
    if (type === 'repository' && name !== '' && actions.every((a) => registryActions.has(a))) {
      scopes.push({ type, name, actions: actions.includes('*') ? ['pull', 'push', 'delete'] : actions });
    } else if (type === 'registry' && name === 'catalog') {
      scopes.push({ type, name, actions: ['*'] });
    }
  }
  return scopes;
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/** Whether the granted access covers an action on a resource. */
export function covers(
  access: readonly Access[],
  type: Scope['type'],
  name: string,
  action: string,
): boolean {
  return access.some(
    (a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes('*')),
  );
}
