import type { Kysely, Migration } from 'kysely';

/**
 * What every replica must agree on about credentials: a version per user and robot that every token
 * names and that any change of password, permissions or state raises (so tokens issued before it stop
 * working, whatever the timing); sign-in failures counted in the database (so N replicas give a
 * guesser one allowance, not N); and a version per cache topic that replicas poll to drop what
 * they remember when another process changed it.
 */
export function credentialsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('credential_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('robots')
        .addColumn('credential_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_ends_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_failures_ends')
        .on('login_failures')
        .column('window_ends_at')
        .execute();
      await db.schema
        .createTable('cache_versions')
        .addColumn('topic', 'text', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('cache_versions').execute();
      await db.schema.dropTable('login_failures').execute();
      await db.schema.alterTable('robots').dropColumn('credential_version').execute();
      await db.schema.alterTable('users').dropColumn('credential_version').execute();
    },
  };
}
