import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  Kysely,
  Migrator,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  SqliteDialect,
} from 'kysely';
import type pg from 'pg';
import { type Dialect, migrationProvider } from './migrations/index.js';
import { statementName } from './prepared.js';
import type { Database } from './tables.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
  /**
   * PostgreSQL: run the hot path's queries as named prepared statements (default). Off behind a
   * connection pooler that hands a session's statements to other server connections (PgBouncer in
   * transaction mode before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
}

/**
 * Opens `postgres://…` or `sqlite:PATH` (`sqlite::memory:` for an in-memory database); only the chosen
 * database's driver is loaded.
 */
export async function connectDatabase(url: string, options: ConnectOptions = {}): Promise<DatabaseHandle> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg');
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') => {
        // bigint (int8) holds sizes and epoch milliseconds, all well inside 2^53.
        if (oid === 20) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format);
      },
    };
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types });
    const dialect = new PostgresDialect({
      pool: options.preparedStatements === false ? pool : preparing(pool),
    });
    const db = new Kysely<Database>({ dialect });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const match = /^sqlite:(.+)$/.exec(url);
  if (!match)
    throw new Error(`database url must start with postgres:// or sqlite: (got "${url.split('@').pop()}")`);
  const file = match[1] as string;
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const { default: SQLite } = await import('better-sqlite3');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  // Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep them by SQL text.
  const statements = new Map<string, ReturnType<typeof sqlite.prepare>>();
  const database = {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= 1000) statements.clear();
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * The pool, its clients running prepared() queries as named statements: parsed once per connection,
 * and after a few runs planned once (PostgreSQL's own choice between a generic and a custom plan,
 * which needs the table statistics autovacuum keeps).
 */
function preparing(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => new PreparingClient(await pool.connect()),
    end: () => pool.end(),
  };
}

/** The commands whose row counts Kysely reports (as affected rows); any other is read as a SELECT. */
const commands = ['UPDATE', 'DELETE', 'INSERT', 'SELECT', 'MERGE', 'COMMIT', 'ROLLBACK'] as const;

class PreparingClient implements PostgresPoolClient {
  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    query: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely reads through a cursor only when the dialect is given a cursor class; this one is not.
    if (typeof query !== 'string') throw new Error('streaming query results is not configured');
    const name = statementName(query);
    const values = [...(parameters ?? [])];
    return this.client
      .query<R & pg.QueryResultRow>(
        name === undefined ? { text: query, values } : { name, text: query, values },
      )
      .then((result) => ({
        command: commands.find((c) => c === result.command) ?? 'SELECT',
        rowCount: result.rowCount ?? 0,
        rows: result.rows,
      }));
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? ''}`,
      {
        cause: error,
      },
    );
  }
}
