import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** The durable job queue, and vulnerability scan reports stored per artifact digest and scanner. */
export function jobsScansMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_after', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_ready').on('jobs').columns(['status', 'run_after']).execute();
      await db.schema
        .createIndex('jobs_dedupe')
        .on('jobs')
        .column('dedupe_key')
        .where(sql.ref('status'), 'in', ['queued', 'running'])
        .execute();

      await db.schema
        .createTable('scan_reports')
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('scanner', 'text', (c) => c.notNull())
        .addColumn('report_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('report', 'text')
        .addColumn('error', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addPrimaryKeyConstraint('scan_reports_pk', ['digest', 'scanner'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('scan_reports').execute();
      await db.schema.dropTable('jobs').execute();
    },
  };
}
