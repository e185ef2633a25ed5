import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * The artifact model at scale. A repository names its project by a foreign key (`project_id`, set
 * here from the name's first component for existing repositories) and its last change is never null.
 * A manifest keeps how many indexes of its repository list it (`parent_count`) and whether it is
 * top-level (no index lists it and its subject, if any, is not in the repository), so artifact lists
 * and counts are index range reads whatever the repository's size. Both are maintained by every push
 * and delete, in any order.
 */
export function artifactModelMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<unknown>) {
      // A repository whose project is gone (data from before projects existed) gets its project back
      // (private, owned by the first administrator) rather than being dropped.
      const projectOf = pg ? sql`split_part(r.name, '/', 1)` : sql`substr(r.name, 1, instr(r.name, '/') - 1)`;
      await sql`
        insert into projects (name, owner_id, public, metadata, created_at, updated_at)
        select ${projectOf}, u.id, 0, '{"public":"false"}', min(r.created_at), min(r.created_at)
        from repositories r, (select min(id) as id from users where sysadmin = 1) u
        where u.id is not null and r.name like '%/%'
          and not exists (select 1 from projects p where p.name = ${projectOf})
        group by ${projectOf}, u.id`.execute(db);

      await db.schema
        .alterTable('repositories')
        .addColumn('project_id', 'integer', (c) => c.references('projects.id'))
        .execute();
      await sql`update repositories set project_id =
        (select p.id from projects p where repositories.name >= p.name || '/' and repositories.name < p.name || '0')`.execute(
        db,
      );
      if (pg) await sql`alter table repositories alter column project_id set not null`.execute(db);
      await db.schema
        .createIndex('repositories_project')
        .on('repositories')
        .columns(['project_id', 'name'])
        .execute();

      await sql`update repositories set updated_at = created_at where updated_at is null`.execute(db);
      await db.schema.createIndex('repositories_created').on('repositories').column('created_at').execute();
      await db.schema.createIndex('repositories_updated').on('repositories').column('updated_at').execute();

      await db.schema
        .alterTable('manifests')
        .addColumn('parent_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('manifests')
        .addColumn('top_level', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await sql`update manifests set parent_count = (
          select count(*) from manifest_references ref join manifests p on p.id = ref.manifest_id
          where ref.kind = 'manifest' and ref.digest = manifests.digest and p.repository_id = manifests.repository_id)`.execute(
        db,
      );
      await sql`update manifests set top_level = case when parent_count = 0 and not exists (
          select 1 from manifests s where s.repository_id = manifests.repository_id and s.digest = manifests.subject_digest)
        then 1 else 0 end`.execute(db);
      // Harbor's media_type of an artifact is its config's: kept as a column so lists filter by it.
      await db.schema.alterTable('manifests').addColumn('config_media_type', 'text').execute();
      await sql`update manifests set config_media_type = ${
        pg
          ? sql`convert_from(content, 'UTF8')::json->'config'->>'mediaType'`
          : sql`json_extract(cast(content as text), '$.config.mediaType')`
      }`.execute(db);
      for (const column of ['created_at', 'pull_time', 'digest', 'config_media_type']) {
        await db.schema
          .createIndex(`manifests_top_level_${column}`)
          .on('manifests')
          .columns([
            'repository_id',
            'top_level',
            column,
            ...(column === 'created_at' || column === 'pull_time' ? ['id'] : []),
          ])
          .execute();
      }
    },
    async down(db: Kysely<unknown>) {
      for (const column of ['created_at', 'pull_time', 'digest', 'config_media_type'])
        await db.schema.dropIndex(`manifests_top_level_${column}`).execute();
      await db.schema.alterTable('manifests').dropColumn('config_media_type').execute();
      await db.schema.alterTable('manifests').dropColumn('top_level').execute();
      await db.schema.alterTable('manifests').dropColumn('parent_count').execute();
      await db.schema.dropIndex('repositories_updated').execute();
      await db.schema.dropIndex('repositories_created').execute();
      await db.schema.dropIndex('repositories_project').execute();
      await db.schema.alterTable('repositories').dropColumn('project_id').execute();
    },
  };
}
