import type { Kysely, Migration } from 'kysely';

/**
 * What the management API shows about repositories and artifacts beyond the registry's own data: a
 * repository's description, pull count and last change; an artifact's and a tag's last pull; an
 * artifact's attributes read from its config blob (cached on first view).
 */
export function artifactActivityMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('repositories')
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('repositories')
        .addColumn('pull_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('repositories').addColumn('updated_at', 'bigint').execute();
      await db.schema.alterTable('manifests').addColumn('pull_time', 'bigint').execute();
      await db.schema.alterTable('manifests').addColumn('extra_attrs', 'text').execute();
      await db.schema.alterTable('tags').addColumn('pull_time', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('tags').dropColumn('pull_time').execute();
      await db.schema.alterTable('manifests').dropColumn('extra_attrs').execute();
      await db.schema.alterTable('manifests').dropColumn('pull_time').execute();
      await db.schema.alterTable('repositories').dropColumn('updated_at').execute();
      await db.schema.alterTable('repositories').dropColumn('pull_count').execute();
      await db.schema.alterTable('repositories').dropColumn('description').execute();
    },
  };
}
