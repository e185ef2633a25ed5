import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Tag retention: one policy per project (Harbor's RetentionPolicy: rules, algorithm, trigger, kept as
 * JSON), and the tasks of each execution, one per repository, with what each kept and removed (an
 * execution is a system run, vendor RETENTION, whose ref_id is the policy; a task's log is in
 * execution_logs under RETENTION_TASK).
 */
export function retentionMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('retention_policies')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'integer', (c) =>
          c.notNull().unique().references('projects.id').onDelete('cascade'),
        )
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('retention_tasks')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('execution_id', 'integer', (c) =>
          c.notNull().references('system_runs.id').onDelete('cascade'),
        )
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('retained', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .execute();
      await db.schema
        .createIndex('retention_tasks_execution')
        .on('retention_tasks')
        .columns(['execution_id', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('retention_tasks').execute();
      await db.schema.dropTable('retention_policies').execute();
    },
  };
}
