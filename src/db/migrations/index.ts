import type { Migration, MigrationProvider } from 'kysely';
import { registryMigration } from './0001-registry.js';

export type Dialect = 'sqlite' | 'postgres';

/** Numbered, frozen once landed; each runs on SQLite and PostgreSQL alike. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-registry': registryMigration(dialect),
      };
    },
  };
}
