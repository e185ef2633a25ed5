import { type Kysely, type Migration, sql } from 'kysely';

/** The built-in scanner's registration id (fixed: scan reports name their scanner by it). */
export const builtInScannerId = '6f0c1d2e-5b1a-4c3e-9a7d-0b3e7f2a9c41';

/**
 * Scanner registrations (Harbor's pluggable scanners; the built-in one is a row too, the default at
 * first), each project's chosen scanner, and scan reports keyed by registration id instead of name.
 */
export function scannersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scanner_registrations')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('access_credential', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('skip_cert_verify', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('use_internal_addr', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('immutable', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      const now = Date.now();
      await sql`
        insert into scanner_registrations (uuid, name, description, url, is_default, immutable, created_at, updated_at)
        values (${builtInScannerId}, 'Berth', 'the built-in scanner: OS and language packages matched against the OSV database',
          'builtin:berth', 1, 1, ${now}, ${now})`.execute(db);
      await db.schema
        .createTable('project_scanners')
        .addColumn('project_id', 'integer', (c) =>
          c.primaryKey().references('projects.id').onDelete('cascade'),
        )
        .addColumn('scanner_uuid', 'text', (c) =>
          c.notNull().references('scanner_registrations.uuid').onDelete('cascade'),
        )
        .execute();
      await sql`update scan_reports set scanner = ${builtInScannerId} where scanner = 'Berth'`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`update scan_reports set scanner = 'Berth' where scanner = ${builtInScannerId}`.execute(db);
      await db.schema.dropTable('project_scanners').execute();
      await db.schema.dropTable('scanner_registrations').execute();
    },
  };
}
