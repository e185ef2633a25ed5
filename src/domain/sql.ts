import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * `column` contains `value` as plain text: `%` and `_` in the value match themselves. The escape
 * character is named, because SQLite (unlike PostgreSQL) has none by default.
 */
export function containsText(column: string, value: string): Expression<SqlBool> {
  const pattern = `%${value.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
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
