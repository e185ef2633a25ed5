import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

/** Harbor's labels: global ones (scope `g`, project 0) and a project's own (scope `p`), and which artifacts carry them. */
export function labelsMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('labels')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('color', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('project_id', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('labels_name', ['scope', 'project_id', 'name'])
        .execute();
      await db.schema
        .createTable('artifact_labels')
        .addColumn('manifest_id', 'integer', (c) =>
          c.notNull().references('manifests.id').onDelete('cascade'),
        )
        .addColumn('label_id', 'integer', (c) => c.notNull().references('labels.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_labels_pk', ['manifest_id', 'label_id'])
        .execute();
      await db.schema
        .createIndex('artifact_labels_label')
        .on('artifact_labels')
        .columns(['label_id', 'manifest_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('artifact_labels').execute();
      await db.schema.dropTable('labels').execute();
    },
  };
}
