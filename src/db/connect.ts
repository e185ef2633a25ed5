import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { type Dialect, migrationProvider } from './migrations/index.js';
import type { Database } from './tables.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
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
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
