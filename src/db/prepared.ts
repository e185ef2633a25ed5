import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './tables.js';

interface Prepared {
  readonly sql: string;
  /** For each SQL parameter, the index of the argument that supplies it. */
  readonly order: readonly number[];
}

/**
 * A query for the hot path: built and compiled once per database (with marker values standing in for
 * the arguments), then executed with only the arguments swapped in. Every argument must become a
 * bound parameter; a query whose shape depends on its arguments needs one prepared query per shape.
 */
export function prepared<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>) {
  const cache = new WeakMap<Kysely<Database>, Prepared>();
  return async (db: Kysely<Database>, ...args: A): Promise<R[]> => {
    let entry = cache.get(db);
    if (!entry) {
      const markers = args.map((_, i) => `\u0000berth-argument-${i}\u0000`) as A;
      const compiled = build(db, ...markers).compile();
      const order = compiled.parameters.map((p) => (markers as unknown[]).indexOf(p));
      if (order.includes(-1) || new Set(order).size !== args.length) {
        throw new Error(`prepared query must bind each argument exactly as a parameter: ${compiled.sql}`);
      }
      entry = { sql: compiled.sql, order };
      cache.set(db, entry);
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
