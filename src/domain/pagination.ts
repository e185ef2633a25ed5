import { type SelectQueryBuilder, sql } from 'kysely';
import { BerthError } from '../lib/errors.js';

export interface Page<T> {
  readonly items: T[];
  /** The `last` value to ask for the next page with, when there is one. */
  readonly next?: string;
}

/** Validates the spec's `n` parameter: a non-negative integer, capped at max. */
export function pageSize(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw))
    throw new BerthError('PAGINATION_INVALID', `invalid page size n=${raw.slice(0, 20)}`);
  return Math.min(Number(raw), max);
}

/** Turns `limit + 1` fetched rows into a page and the cursor for the next one. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: cursorOf(items[items.length - 1] as T) };
}

/** One page of a filtered list and how many items the whole list holds. */
export interface Listed<T> {
  readonly total: number;
  readonly items: T[];
}

/** Which page of a list: from 1, `pageSize` items each. */
export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
}

/**
 * Counts what the filtered query matches, then fetches one page of it: the shape of every list in the
 * management API. `fetch` gets the filtered query already limited to the page and adds the
 * selection and the order.
 */
export async function countAndPage<DB, TB extends keyof DB, O, T>(
  filtered: SelectQueryBuilder<DB, TB, O>,
  { page, pageSize }: PageRequest,
  fetch: (query: SelectQueryBuilder<DB, TB, O>) => Promise<T[]>,
): Promise<Listed<T>> {
  const row = await filtered.clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return {
    total: Number((row as { n: number | string }).n),
    items: await fetch(filtered.limit(pageSize).offset((page - 1) * pageSize)),
  };
}
