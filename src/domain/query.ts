import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { BerthError } from '../lib/errors.js';

/**
 * One term of a list filter, as Harbor's `q` writes it: `k=v` exact, `k=~v` fuzzy (contains, case
 * insensitive), `k=[min~max]` an inclusive range (either end may be open), `k={a b}` any of the
 * values, `k=(a b)` all of them (meaningful only where a key is multi-valued, such as labels).
 */
export type Term =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'fuzzy'; readonly value: string }
  | { readonly kind: 'range'; readonly min?: string | undefined; readonly max?: string | undefined }
  | { readonly kind: 'anyOf'; readonly values: readonly string[] }
  | { readonly kind: 'allOf'; readonly values: readonly string[] };

/** Terms by field name. */
export type Filters<K extends string = string> = Readonly<Partial<Record<K, Term>>>;

/** How a filterable field is stored: the column and what its values are. */
export interface Field {
  readonly column: string;
  readonly type: 'text' | 'integer' | 'time' | 'flag';
}

export interface Sort<K extends string = string> {
  readonly field: K;
  readonly desc: boolean;
}

/** `column` contains `value` as plain text, ignoring case: `%` and `_` in the value match themselves. */
export function containsText(column: string, value: string): Expression<SqlBool> {
  const pattern = `%${value.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  // The escape character is named: SQLite (unlike PostgreSQL) has none by default.
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** A `q` term on a text column: the exact value, or (fuzzy) any value containing it. */
export interface TextFilter {
  readonly value: string;
  readonly fuzzy: boolean;
}

/** `column` matches the filter: contains its value when fuzzy, equals it otherwise. */
export function matchesText(column: string, filter: TextFilter): Expression<SqlBool> {
  return filter.fuzzy
    ? containsText(column, filter.value)
    : sql<SqlBool>`${sql.ref(column)} = ${filter.value}`;
}

/** A term's value as the field stores it (a number for integers, epoch ms for times, 0/1 for flags). */
function storedValue(field: Field, key: string, raw: string): string | number {
  const text = raw.trim().replace(/^["']|["']$/g, '');
  switch (field.type) {
    case 'text':
      return text;
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text))
        throw new BerthError('INVALID_INPUT', `${key} takes a whole number, not "${text.slice(0, 40)}"`);
      return Number(text);
    case 'flag':
      if (/^(true|1)$/i.test(text)) return 1;
      if (/^(false|0)$/i.test(text)) return 0;
      throw new BerthError('INVALID_INPUT', `${key} takes true or false, not "${text.slice(0, 40)}"`);
    case 'time': {
      // Harbor writes times as 2006-01-02T15:04:05 or 2006-01-02 15:04:05, UTC unless a zone is given.
      const iso = text.includes('T') ? text : text.replace(' ', 'T');
      const time = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`);
      if (Number.isNaN(time))
        throw new BerthError('INVALID_INPUT', `${key} takes a time, not "${text.slice(0, 40)}"`);
      return time;
    }
  }
}

/**
 * The condition a term puts on a plain column. An all-of list is meaningful only for multi-valued
 * keys, which their owners handle themselves; on a plain column it is refused rather than ignored.
 */
export function termCondition(field: Field, key: string, term: Term): Expression<SqlBool> {
  const column = sql.ref(field.column);
  switch (term.kind) {
    case 'exact':
      return sql<SqlBool>`${column} = ${storedValue(field, key, term.value)}`;
    case 'fuzzy':
      if (field.type !== 'text')
        throw new BerthError('INVALID_INPUT', `${key} cannot be matched fuzzily (~)`);
      return containsText(field.column, term.value);
    case 'range': {
      const parts: Expression<SqlBool>[] = [];
      if (term.min !== undefined) parts.push(sql<SqlBool>`${column} >= ${storedValue(field, key, term.min)}`);
      if (term.max !== undefined) parts.push(sql<SqlBool>`${column} <= ${storedValue(field, key, term.max)}`);
      return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
    }
    case 'anyOf':
      if (term.values.length === 0) return sql<SqlBool>`1 = 0`;
      return sql<SqlBool>`${column} in (${sql.join(term.values.map((v) => storedValue(field, key, v)))})`;
    case 'allOf':
      throw new BerthError('INVALID_INPUT', `${key} holds one value: use ${key}={a b} for any of several`);
  }
}

/**
 * Applies the filters on plain fields to a query (`where` for each), leaving to `special` the keys
 * that need more than a column comparison (tags, labels, visibility …). Unknown keys are refused.
 */
export function filterConditions<K extends string>(
  filters: Filters<K>,
  fields: Readonly<Partial<Record<K, Field>>>,
  special: Readonly<Partial<Record<K, (term: Term) => Expression<SqlBool>>>> = {} as Readonly<
    Partial<Record<K, (term: Term) => Expression<SqlBool>>>
  >,
): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  for (const [key, term] of Object.entries(filters) as [K, Term | undefined][]) {
    if (!term) continue;
    const own = special[key];
    const field = fields[key];
    if (own) conditions.push(own(term));
    else if (field) conditions.push(termCondition(field, key, term));
    else throw new BerthError('INVALID_INPUT', `cannot filter by ${key}`);
  }
  return conditions;
}

/** `eb.and` of the conditions, for a `.where(…)` (true when there are none). */
export const allOf =
  (conditions: readonly Expression<SqlBool>[]) =>
  // biome-ignore lint/suspicious/noExplicitAny: any table: the conditions name their own columns
  (eb: ExpressionBuilder<any, any>) =>
    eb.and([...conditions]);
