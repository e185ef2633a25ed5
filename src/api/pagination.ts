import type { TextFilter } from '../domain/query.js';
import { BerthError } from '../lib/errors.js';
import { parseQ as parseTerms, textTerm } from './query.js';

export { PageQuery, pageHeaders } from './query.js';

/** Harbor's `q` where only exact (`k=v`) and fuzzy (`k=~v`) terms on the named keys make sense. */
export function parseQ(q: string | undefined, allowed: readonly string[]): Record<string, TextFilter> {
  const out: Record<string, TextFilter> = {};
  for (const [key, term] of parseTerms(q)) {
    if (!allowed.includes(key))
      throw new BerthError(
        'INVALID_INPUT',
        `cannot filter by ${key.slice(0, 60)}; use one of ${allowed.join(', ')}`,
      );
    out[key] = textTerm(key, term) as TextFilter;
  }
  return out;
}

/** Harbor's `sort`: one key, `-key` for descending. */
export function parseSort<K extends string>(
  sort: string | undefined,
  allowed: Readonly<Record<string, K>>,
): { column: K; desc: boolean } | undefined {
  if (!sort) return undefined;
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  const column = allowed[key];
  if (!column)
    throw new BerthError(
      'INVALID_INPUT',
      `cannot sort by ${key.slice(0, 40)}; use one of ${Object.keys(allowed).join(', ')}`,
    );
  return { column, desc };
}
