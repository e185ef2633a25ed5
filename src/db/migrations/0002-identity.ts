import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** Local users, projects and project membership (entity_type 'u' for users, 'g' for groups later). */
export function identityMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const bytewise = pg ? sql`collate "C"` : sql``;
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('username', 'text', (c) => c.notNull().unique().modifyEnd(bytewise))
        .addColumn('email', 'text')
        .addColumn('realname', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('password_hash', 'text')
        .addColumn('sysadmin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_email').on('users').column('email').unique().execute();

      await db.schema
        .createTable('projects')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull().unique().modifyEnd(bytewise))
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('project_members')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'integer', (c) => c.notNull())
        .addColumn('role', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('project_members_entity', ['project_id', 'entity_type', 'entity_id'])
        .execute();
      await db.schema
        .createIndex('project_members_by_entity')
        .on('project_members')
        .columns(['entity_type', 'entity_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['project_members', 'projects', 'users'])
        await db.schema.dropTable(table).execute();
    },
  };
}
