import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Filters, Sort, Term } from '../domain/query.js';
import { BerthError } from '../lib/errors.js';

/** Harbor's list parameters: `page` from 1, `page_size` up to 100, `q` filters and `sort` keys. */
export const PageQuery = {
  page: Type.Integer({
    minimum: 1,
    maximum: 1_000_000_000,
    default: 1,
    description: 'the page number, from 1',
  }),
  page_size: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'items per page, at most 100',
  }),
  q: Type.Optional(
    Type.String({
      maxLength: 4096,
      description:
        'filters joined by commas: k=v exact, k=~v fuzzy, k=[min~max] range, k={v1 v2} any of, k=(v1 v2) all of',
    }),
  ),
  sort: Type.Optional(
    Type.String({
      maxLength: 1024,
      description: 'sort keys, comma separated; a leading - sorts descending',
    }),
  ),
};

const PageQueryObject = Type.Object(PageQuery);
export type PageParams = Static<typeof PageQueryObject>;

/**
 * Go's `url.QueryUnescape`, as Harbor applies it to the whole of `q` once more (its clients encode `q`
 * twice: `q=name%3D%257Edemo` is `name=~demo`): `+` is a space and `%XX` a byte. A string that is not
 * validly escaped (a literal `%`) is used as it is, as Harbor does.
 */
function unescapeOnce(text: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(text)) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const invalidValue = (value: string) =>
  new BerthError('INVALID_INPUT', `invalid query string value: ${value.slice(0, 200)}`);

/** A term's value by its first character, after Harbor's `q.parsePattern`. */
function termOf(value: string): Term {
  switch (value[0]) {
    case '~':
      if (value.length < 2) throw invalidValue(value);
      return { kind: 'fuzzy', value: value.slice(1) };
    case '[': {
      if (!value.endsWith(']') || value.split('~').length !== 2) throw invalidValue(value);
      const [min = '', max = ''] = value
        .slice(1, -1)
        .split('~')
        .map((v) => v.trim());
      if (min === '' && max === '') throw invalidValue(value);
      return { kind: 'range', min: min || undefined, max: max || undefined };
    }
    case '{':
    case '(': {
      const close = value[0] === '{' ? '}' : ')';
      if (!value.endsWith(close) || value.length < 2) throw invalidValue(value);
      const values = value
        .slice(1, -1)
        .split(' ')
        .filter((v) => v !== '');
      return { kind: value[0] === '{' ? 'anyOf' : 'allOf', values };
    }
    case '\\':
      return { kind: 'exact', value: value.slice(1) };
    default:
      return { kind: 'exact', value };
  }
}

/** Harbor's `q` grammar: terms split at every comma, keys from values at the first `=`. */
export function parseQ(q: string | undefined): Map<string, Term> {
  const terms = new Map<string, Term>();
  if (!q) return terms;
  for (const part of unescapeOnce(q).split(',')) {
    const equals = part.indexOf('=');
    if (equals <= 0 || equals === part.length - 1)
      throw new BerthError(
        'INVALID_INPUT',
        'the query string must contain "=" and the key/value cannot be empty',
      );
    terms.set(part.slice(0, equals), termOf(part.slice(equals + 1)));
  }
  return terms;
}

/**
 * The filters of `q` for a resource whose Harbor keys (column names and their Go field names, as
 * Harbor accepts both) map onto its fields. A key the resource has not is refused, naming the ones it has.
 */
export function filtersOf<K extends string>(
  q: string | undefined,
  keys: Readonly<Record<string, K>>,
): Filters<K> {
  const filters: Partial<Record<K, Term>> = {};
  for (const [key, term] of parseQ(q)) {
    const field = keys[key];
    if (!field)
      throw new BerthError(
        'INVALID_INPUT',
        `cannot filter by ${key.slice(0, 60)}; use one of ${[...new Set(Object.keys(keys).filter((k) => /^[a-z_]+$/.test(k)))].join(', ')}`,
      );
    filters[field] = term;
  }
  return filters;
}

/** Harbor's `sort`: keys separated by commas, `-key` descending. An unknown key is refused. */
export function sortsOf<K extends string>(
  sort: string | undefined,
  keys: Readonly<Record<string, K>>,
): Sort<K>[] {
  if (!sort) return [];
  return sort.split(',').map((raw) => {
    const desc = raw.startsWith('-');
    const key = desc ? raw.slice(1) : raw;
    const field = keys[key];
    if (!field)
      throw new BerthError(
        'INVALID_INPUT',
        `cannot sort by ${key.slice(0, 40)}; use one of ${Object.keys(keys)
          .filter((k) => /^[a-z_]+$/.test(k))
          .join(', ')}`,
      );
    return { field, desc };
  });
}

/** A text filter from a term that must be exact or fuzzy (for keys compared as text only). */
export function textTerm(key: string, term: Term | undefined): { value: string; fuzzy: boolean } | undefined {
  if (!term) return undefined;
  if (term.kind === 'exact') return { value: term.value, fuzzy: false };
  if (term.kind === 'fuzzy') return { value: term.value, fuzzy: true };
  throw new BerthError('INVALID_INPUT', `${key} takes k=v or k=~v`);
}

/** X-Total-Count and Link (prev, next) headers for a page of a list, as Harbor writes them. */
export function pageHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  query: PageParams,
  total: number,
): void {
  reply.header('X-Total-Count', String(total));
  const links: string[] = [];
  const base = new URL(request.url, 'http://x');
  const link = (page: number, rel: string) => {
    base.searchParams.set('page', String(page));
    base.searchParams.set('page_size', String(query.page_size));
    links.push(`<${base.pathname}${base.search}>; rel="${rel}"`);
  };
  if (query.page > 1 && (query.page - 1) * query.page_size < total) link(query.page - 1, 'prev');
  if (query.page * query.page_size < total) link(query.page + 1, 'next');
  if (links.length > 0) reply.header('Link', links.join(' , '));
}
