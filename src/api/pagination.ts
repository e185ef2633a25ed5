import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TextFilter } from '../domain/sql.js';
import { BerthError } from '../lib/errors.js';

export const PageQuery = {
  page: Type.Integer({ minimum: 1, default: 1, description: 'the page number, from 1' }),
  page_size: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'items per page, at most 100',
  }),
  q: Type.Optional(Type.String({ description: 'filters: k=v exact, k=~v fuzzy, joined with commas' })),
  sort: Type.Optional(
    Type.String({ description: 'sort keys, comma separated; a leading - sorts descending' }),
  ),
};

/** Harbor's `q`: `k=v` (exact) and `k=~v` (fuzzy) terms joined by commas; only the named keys are allowed. */
export function parseQ(q: string | undefined, allowed: readonly string[]): Record<string, TextFilter> {
  const out: Record<string, TextFilter> = {};
  if (!q) return out;
  for (const term of q.split(',')) {
    const match = /^([A-Za-z_]+)=(~?)(.*)$/.exec(term.trim());
    if (!match)
      throw new BerthError('INVALID_INPUT', `invalid query term "${term.slice(0, 80)}"; use k=v or k=~v`);
    const [, key, tilde, value] = match as unknown as [string, string, string, string];
    if (!allowed.includes(key))
      throw new BerthError('INVALID_INPUT', `cannot filter by ${key}; use one of ${allowed.join(', ')}`);
    out[key] = { value: decodeURIComponent(value), fuzzy: tilde === '~' };
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

/** X-Total-Count and Link (prev, next) headers for a page of a list. */
export function pageHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  query: Static<typeof PageQueryObject>,
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
  if (query.page > 1) link(query.page - 1, 'prev');
  if (query.page * query.page_size < total) link(query.page + 1, 'next');
  if (links.length > 0) reply.header('Link', links.join(' , '));
}

const PageQueryObject = Type.Object(PageQuery);
