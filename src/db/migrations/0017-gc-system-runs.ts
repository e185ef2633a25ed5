import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Garbage collection: each blob's last upload, link or unlink time (`touched_at`) and the deletion
 * mark a sweep sets before it removes the blob's data (`deleting`; see the README's "Garbage
 * collection" for the protocol); runs of system jobs (GC, audit-log purge) with their parameters
 * and results, the lines each run logs, the parameters of a schedule (Harbor's GC schedule carries them) and named leases (one
 * garbage collection at a time across replicas).
 */
export function gcSystemRunsMigration(dialect: Dialect): Migration {
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

      // Runs of system jobs that Harbor shows as executions with a log (GC, audit-log purge).
      await db.schema
        .createTable('system_runs')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'integer')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('fire_key', 'text')
        .addColumn('result', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('stopped_at', 'bigint')
        .addUniqueConstraint('system_runs_fire', ['vendor', 'fire_key'])
        .execute();
      await db.schema
        .createIndex('system_runs_vendor')
        .on('system_runs')
        .columns(['vendor', 'ref_id', 'id'])
        .execute();

      // Work that one process at a time may do across every replica (garbage collection).
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('until', 'bigint', (c) => c.notNull())
        .execute();

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
      await db.schema.dropTable('leases').execute();
      await db.schema.dropTable('system_runs').execute();
      await db.schema.alterTable('schedules').dropColumn('parameters').execute();
      await db.schema.dropIndex('blobs_deleting').execute();
      await db.schema.alterTable('blobs').dropColumn('deleting').execute();
      await db.schema.alterTable('blobs').dropColumn('touched_at').execute();
    },
  };
}
