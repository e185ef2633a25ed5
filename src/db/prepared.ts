import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './tables.js';

interface Prepared {
  readonly sql: string;
  /** For each SQL parameter, the index of the argument that supplies it. */
  readonly order: readonly number[];
}

/** The SQL of the prepared queries, and the name PostgreSQL knows each by on every connection. */
const statementNames = new Map<string, string>();
const selectsStar = /\bselect\s+(?:"?\w+"?\.)?\*/i;

/**
 * The name to prepare a statement under on PostgreSQL (parsed and planned once per connection instead
 * of on every execution), when its SQL is one of the prepared queries' fixed texts; there are as many
 * as prepared() calls in the code, so a connection never holds more.
 */
export function statementName(text: string): string | undefined {
  return statementNames.get(text);
}

/**
 * A query for the hot path: built and compiled once per database (with marker values standing in for
 * the arguments), then executed with only the arguments swapped in; on PostgreSQL it runs as a named
 * prepared statement. Every argument must become a bound parameter; a query whose shape depends on
 * its arguments needs one prepared query per shape.
 */
export function prepared<A extends unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => { compile(db: Kysely<Database>): CompiledQuery<R> },
) {
  const cache = new WeakMap<Kysely<Database>, Prepared>();
  return async (db: Kysely<Database>, ...args: A): Promise<R[]> => {
    let entry = cache.get(db);
    if (!entry) {
      const markers = args.map((_, i) => `\u0000berth-argument-${i}\u0000`) as A;
      const compiled = build(db, ...markers).compile(db);
      const order = compiled.parameters.map((p) => (markers as unknown[]).indexOf(p));
      if (order.includes(-1) || new Set(order).size !== args.length) {
        throw new Error(`prepared query must bind each argument exactly as a parameter: ${compiled.sql}`);
      }
      entry = { sql: compiled.sql, order };
      cache.set(db, entry);
      // Not one selecting *: PostgreSQL refuses to run such a prepared statement once a migration adds
      // a column (its result type changed), which a replica not yet upgraded would meet.
      if (!selectsStar.test(entry.sql) && !statementNames.has(entry.sql))
        statementNames.set(entry.sql, `berth_${statementNames.size + 1}`);
    }
    const { rows } = await db.executeQuery<R>(
      CompiledQuery.raw(
        entry.sql,
        entry.order.map((i) => args[i]),
      ),
    );
    return rows;
  };
}
