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
