import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Harbor's scan all: its schedule (one row per kind of scheduled work, `SCAN_ALL` for now), an
 * execution per run (manual or scheduled; a scheduled run names its fire time, once for all
 * replicas) with a task per artifact it scans, and a batch name on jobs so that stopping a run can
 * take its queued scans off the queue.
 */
export function scanAllMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('schedules')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('vendor_type', 'text', (c) => c.notNull().unique())
        .addColumn('cron_type', 'text', (c) => c.notNull())
        .addColumn('cron', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('scan_all_executions')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('fire_key', 'text', (c) => c.unique())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('stopped_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('scan_all_executions_latest')
        .on('scan_all_executions')
        .columns(['trigger', 'start_time'])
        .execute();
      await db.schema
        .createIndex('scan_all_executions_start')
        .on('scan_all_executions')
        .column('start_time')
        .execute();

      await db.schema
        .createTable('scan_all_tasks')
        .addColumn('execution_id', 'integer', (c) =>
          c.notNull().references('scan_all_executions.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('scanner', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('scan_all_tasks_pk', ['execution_id', 'digest'])
        .execute();
      // A scan that begins or ends finds the open tasks waiting for it by digest and scanner.
      await db.schema
        .createIndex('scan_all_tasks_scan')
        .on('scan_all_tasks')
        .columns(['digest', 'scanner', 'status'])
        .execute();

      await db.schema.alterTable('jobs').addColumn('batch', 'text').execute();
      await db.schema
        .createIndex('jobs_batch')
        .on('jobs')
        .column('batch')
        .where(sql.ref('status'), '=', 'queued')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('jobs_batch').execute();
      await db.schema.alterTable('jobs').dropColumn('batch').execute();
      await db.schema.dropTable('scan_all_tasks').execute();
      await db.schema.dropTable('scan_all_executions').execute();
      await db.schema.dropTable('schedules').execute();
    },
  };
}
