import type { Kysely, Migration } from 'kysely';

/**
 * The vulnerability database: OSV records (with what the reports show), their affected packages
 * indexed by ecosystem and name, and when each source archive was last imported.
 */
export function vulndbMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vuln_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('modified', 'bigint', (c) => c.notNull())
        .addColumn('published', 'bigint')
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('aliases', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('score', 'real')
        .addColumn('reference_urls', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vuln_affected')
        .addColumn('record_id', 'text', (c) => c.notNull().references('vuln_records.id').onDelete('cascade'))
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('package', 'text', (c) => c.notNull())
        .addColumn('ranges', 'text', (c) => c.notNull())
        .addColumn('versions', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('vuln_affected_package')
        .on('vuln_affected')
        .columns(['ecosystem', 'package'])
        .execute();
      await db.schema.createIndex('vuln_affected_record').on('vuln_affected').column('record_id').execute();
      await db.schema
        .createTable('vulndb_imports')
        .addColumn('source', 'text', (c) => c.primaryKey())
        .addColumn('imported_at', 'bigint', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('archive', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vulndb_imports').execute();
      await db.schema.dropTable('vuln_affected').execute();
      await db.schema.dropTable('vuln_records').execute();
    },
  };
}
