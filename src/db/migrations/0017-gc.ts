import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Garbage collection: each blob's last upload, link or unlink time (`touched_at`) and the deletion
 * mark a sweep sets before it removes the blob's data (`deleting`; see the README's "Garbage
 * collection" for the protocol); the runs with their parameters and results, the lines each run
 * logs, and the parameters of a schedule (Harbor's GC schedule carries them).
 */
export function gcMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('blobs')
        .addColumn('touched_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('blobs')
        .addColumn('deleting', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update blobs set touched_at = created_at`.execute(db);
      // A run that was stopped by a crash resumes with the blobs it had marked.
      await db.schema
        .createIndex('blobs_deleting')
        .on('blobs')
        .column('digest')
        .where(sql.ref('deleting'), '=', 1)
        .execute();

      await db.schema.alterTable('schedules').addColumn('parameters', 'text').execute();

      await db.schema
        .createTable('gc_runs')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('fire_key', 'text', (c) => c.unique())
        .addColumn('blobs_deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('manifests_deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_freed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('stopped_at', 'bigint')
        .execute();
      await db.schema.createIndex('gc_runs_created').on('gc_runs').column('created_at').execute();

      await db.schema
        .createTable('execution_logs')
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('execution_id', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_logs_pk', ['vendor', 'execution_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('execution_logs').execute();
      await db.schema.dropTable('gc_runs').execute();
      await db.schema.alterTable('schedules').dropColumn('parameters').execute();
      await db.schema.dropIndex('blobs_deleting').execute();
      await db.schema.alterTable('blobs').dropColumn('deleting').execute();
      await db.schema.alterTable('blobs').dropColumn('touched_at').execute();
    },
  };
}
