import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Run-time settings every replica reads (Harbor's configurations that change without a restart:
 * `read_only` first), and projects' immutable tag rules (Harbor's), their selectors kept as JSON.
 */
export function settingsImmutableMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('immutable_rules')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tag_selectors', 'text', (c) => c.notNull())
        .addColumn('scope_selectors', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('immutable_rules_project')
        .on('immutable_rules')
        .column('project_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('immutable_rules').execute();
      await db.schema.dropTable('settings').execute();
    },
  };
}
