import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/** The registry's data: repositories, blob links, manifests and their references, tags and uploads. */
export function registryMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  // Byte-order collation so that tag and repository pagination sorts the same on both databases.
  const bytewise = pg ? sql`collate "C"` : sql``;
  const id = pg ? 'serial' : 'integer';
  const binary = pg ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('repositories')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull().unique().modifyEnd(bytewise))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('blobs')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('repository_blobs')
        .addColumn('repository_id', 'integer', (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createIndex('repository_blobs_digest')
        .on('repository_blobs')
        .column('digest')
        .execute();

      await db.schema
        .createTable('manifests')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('repository_id', 'integer', (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content', binary, (c) => c.notNull())
        .addColumn('subject_digest', 'text')
        .addColumn('annotations', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('manifests_repository_digest', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createIndex('manifests_subject')
        .on('manifests')
        .columns(['repository_id', 'subject_digest'])
        .execute();

      await db.schema
        .createTable('manifest_references')
        .addColumn('manifest_id', 'integer', (c) =>
          c.notNull().references('manifests.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('manifest_references_pk', ['manifest_id', 'kind', 'digest'])
        .execute();
      await db.schema
        .createIndex('manifest_references_digest')
        .on('manifest_references')
        .column('digest')
        .execute();

      await db.schema
        .createTable('tags')
        .addColumn('repository_id', 'integer', (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull().modifyEnd(bytewise))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['repository_id', 'name'])
        .execute();
      await db.schema.createIndex('tags_digest').on('tags').columns(['repository_id', 'digest']).execute();

      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('segments', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'uploads',
        'tags',
        'manifest_references',
        'manifests',
        'repository_blobs',
        'blobs',
      ]) {
        await db.schema.dropTable(table).execute();
      }
      await db.schema.dropTable('repositories').execute();
    },
  };
}
