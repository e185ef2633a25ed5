import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Storage quotas. A project's usage counts each blob and manifest once however many of its
 * repositories hold it: `project_blobs` has one row per (project, digest) with the number of links
 * that hold it there (repository blob links, stored manifests) and the shard its bytes were counted
 * in, and `quota_usage` the sum of their sizes by shard (the digest's first two hex digits, so that
 * pushes into one project do not queue on one row; a project with a limit counts in shard `**`
 * alone, whose row a push locks to check the limit exactly).
 * Triggers on `repository_blobs` and `manifests` keep both exact on every path that links, unlinks,
 * stores or deletes, in the same transaction. `quotas` holds each project's limit (-1: none).
 */
export function quotasMigration(dialect: Dialect): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('quotas')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('project_id', 'integer', (c) =>
          c.notNull().unique().references('projects.id').onDelete('cascade'),
        )
        .addColumn('hard', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('project_blobs')
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('links', 'integer', (c) => c.notNull())
        .addColumn('shard', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_blobs_pk', ['project_id', 'digest'])
        .execute();
      await db.schema
        .createTable('quota_usage')
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('shard', 'text', (c) => c.notNull())
        .addColumn('used', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('quota_usage_pk', ['project_id', 'shard'])
        .execute();

      // Every existing project gets its quota (unlimited) and its usage from what it holds.
      const now = Date.now();
      await sql`insert into quotas (project_id, hard, created_at, updated_at)
        select id, -1, ${now}, ${now} from projects`.execute(db);
      const shardOf = pg
        ? sql`substr(digest, position(':' in digest) + 1, 2)`
        : sql`substr(digest, instr(digest, ':') + 1, 2)`;
      await sql`insert into project_blobs (project_id, digest, size, links, shard)
        select project_id, digest, max(size), count(*), ${shardOf} from (
          select r.project_id, rb.digest, b.size from repository_blobs rb
            join repositories r on r.id = rb.repository_id join blobs b on b.digest = rb.digest
          union all
          select r.project_id, m.digest, m.size from manifests m join repositories r on r.id = m.repository_id
        ) held group by project_id, digest`.execute(db);
      await sql`insert into quota_usage (project_id, shard, used)
        select project_id, shard, sum(size) from project_blobs group by project_id, shard`.execute(db);

      for (const statement of pg ? postgresTriggers : sqliteTriggers) await sql.raw(statement).execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const statement of pg ? postgresDrops : sqliteDrops) await sql.raw(statement).execute(db);
      await db.schema.dropTable('quota_usage').execute();
      await db.schema.dropTable('project_blobs').execute();
      await db.schema.dropTable('quotas').execute();
    },
  };
}

/** The shard a digest's bytes are counted in: `**` for a project with a limit, else two hex digits. */
const shardSql = (position: (text: string) => string, project: string, digest: string) => `(case when exists
  (select 1 from quotas q where q.project_id = ${project} and q.hard >= 0) then '**'
  else substr(${digest}, ${position(digest)} + 1, 2) end)`;

const postgresTriggers = [
  `create function berth_hold(p integer, d text, s bigint) returns void language plpgsql as $$
  declare held integer; counted text;
  begin
    insert into project_blobs (project_id, digest, size, links, shard)
      values (p, d, s, 1, ${shardSql((t) => `position(':' in ${t})`, 'p', 'd')})
      on conflict (project_id, digest) do update set links = project_blobs.links + 1
      returning links, shard into held, counted;
    if held = 1 then
      insert into quota_usage (project_id, shard, used) values (p, counted, s)
        on conflict (project_id, shard) do update set used = quota_usage.used + excluded.used;
    end if;
  end $$`,
  `create function berth_release(p integer, d text) returns void language plpgsql as $$
  declare held integer; freed bigint; counted text;
  begin
    update project_blobs set links = links - 1 where project_id = p and digest = d
      returning links, size, shard into held, freed, counted;
    if held = 0 then
      delete from project_blobs where project_id = p and digest = d;
      update quota_usage set used = used - freed where project_id = p and shard = counted;
    end if;
  end $$`,
  `create function berth_link_held() returns trigger language plpgsql as $$
  begin
    perform berth_hold((select project_id from repositories where id = new.repository_id), new.digest,
      (select size from blobs where digest = new.digest));
    return null;
  end $$`,
  `create function berth_link_released() returns trigger language plpgsql as $$
  begin
    perform berth_release((select project_id from repositories where id = old.repository_id), old.digest);
    return null;
  end $$`,
  `create function berth_manifest_held() returns trigger language plpgsql as $$
  begin
    perform berth_hold((select project_id from repositories where id = new.repository_id), new.digest, new.size);
    return null;
  end $$`,
  `create function berth_manifest_released() returns trigger language plpgsql as $$
  begin
    perform berth_release((select project_id from repositories where id = old.repository_id), old.digest);
    return null;
  end $$`,
  `create trigger repository_blobs_held after insert on repository_blobs
    for each row execute function berth_link_held()`,
  `create trigger repository_blobs_released after delete on repository_blobs
    for each row execute function berth_link_released()`,
  `create trigger manifests_held after insert on manifests for each row execute function berth_manifest_held()`,
  `create trigger manifests_released after delete on manifests
    for each row execute function berth_manifest_released()`,
];

const postgresDrops = [
  'drop trigger manifests_released on manifests',
  'drop trigger manifests_held on manifests',
  'drop trigger repository_blobs_released on repository_blobs',
  'drop trigger repository_blobs_held on repository_blobs',
  'drop function berth_manifest_released',
  'drop function berth_manifest_held',
  'drop function berth_link_released',
  'drop function berth_link_held',
  'drop function berth_release',
  'drop function berth_hold',
];

/** SQLite: the same bookkeeping in trigger bodies (`project` and `size` as SQL expressions). */
function sqliteHold(name: string, table: string, project: string, size: string): string {
  return `create trigger ${name} after insert on ${table} begin
    insert into project_blobs (project_id, digest, size, links, shard)
      values (${project}, new.digest, ${size}, 1, ${shardSql((t) => `instr(${t}, ':')`, project, 'new.digest')})
      on conflict (project_id, digest) do update set links = links + 1;
    insert into quota_usage (project_id, shard, used)
      select project_id, shard, size from project_blobs
      where project_id = ${project} and digest = new.digest and links = 1
      on conflict (project_id, shard) do update set used = used + excluded.used;
  end`;
}

function sqliteRelease(name: string, table: string, project: string): string {
  return `create trigger ${name} after delete on ${table} begin
    update project_blobs set links = links - 1 where project_id = ${project} and digest = old.digest;
    update quota_usage set used = used - (select size from project_blobs
        where project_id = ${project} and digest = old.digest)
      where project_id = ${project}
        and shard = (select shard from project_blobs
          where project_id = ${project} and digest = old.digest and links = 0);
    delete from project_blobs where project_id = ${project} and digest = old.digest and links = 0;
  end`;
}

const linkProject = (row: 'new' | 'old') =>
  `(select project_id from repositories where id = ${row}.repository_id)`;

const sqliteTriggers = [
  sqliteHold(
    'repository_blobs_held',
    'repository_blobs',
    linkProject('new'),
    '(select size from blobs where digest = new.digest)',
  ),
  sqliteRelease('repository_blobs_released', 'repository_blobs', linkProject('old')),
  sqliteHold('manifests_held', 'manifests', linkProject('new'), 'new.size'),
  sqliteRelease('manifests_released', 'manifests', linkProject('old')),
];

const sqliteDrops = [
  'drop trigger manifests_released',
  'drop trigger manifests_held',
  'drop trigger repository_blobs_released',
  'drop trigger repository_blobs_held',
];
