import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

/** The audit log: who did what to which resource, with what result, when. */
export function auditLogMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_logs')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('result', 'integer', (c) => c.notNull())
        .addColumn('project_id', 'integer')
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('op_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_logs_time').on('audit_logs').column('op_time').execute();
      await db.schema
        .createIndex('audit_logs_project')
        .on('audit_logs')
        .columns(['project_id', 'op_time'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('audit_logs').execute();
    },
  };
}
