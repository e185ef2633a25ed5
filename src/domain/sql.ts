import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * `column` contains `value` as plain text: `%` and `_` in the value match themselves. The escape
 * character is named, because SQLite (unlike PostgreSQL) has none by default.
 */
export function containsText(column: string, value: string): Expression<SqlBool> {
  const pattern = `%${value.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
