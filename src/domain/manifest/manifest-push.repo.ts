import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  type Database,
  type Dialect,
  type NewManifest,
  prepared,
  type ReferenceKind,
} from '../../db/index.js';

type Db = Kysely<Database>;

export interface PushTarget {
  readonly repositoryId: number;
  /** The sizes of the referenced blobs linked into the repository, by digest. */
  readonly blobs: ReadonlyMap<string, number>;
  /** The sizes of the referenced manifests stored in the repository, by digest. */
  readonly manifests: ReadonlyMap<string, number>;
}

/**
 * A list of digests as one parameter, whatever its length (so that the query's text is fixed): an
 * array on PostgreSQL (`= any`, which its indexes take as a list of lookups), JSON on SQLite.
 */
type DigestList = readonly string[] | string;

const digestList = (dialect: Dialect, digests: readonly string[]): DigestList =>
  dialect === 'postgres' ? [...new Set(digests)] : JSON.stringify([...new Set(digests)]);

const inList: Record<Dialect, (column: string, list: DigestList) => RawBuilder<boolean>> = {
  postgres: (column, list) => sql`${sql.ref(column)} = any(${list}::text[])`,
  sqlite: (column, list) => sql`${sql.ref(column)} in (select value from json_each(${list}))`,
};

function pushTargetQuery(dialect: Dialect) {
  return prepared((db: Db, repository: string, blobs: DigestList, manifests: DigestList) =>
    db
      .selectFrom('repositories as r')
      .select([
        'r.id',
        sql<string | null>`null`.as('digest'),
        sql<number | null>`null`.as('size'),
        sql<string>`'repository'`.as('kind'),
      ])
      .where('r.name', '=', repository)
      .unionAll(
        db
          .selectFrom('repositories as r')
          .innerJoin('repository_blobs as rb', 'rb.repository_id', 'r.id')
          .innerJoin('blobs as b', 'b.digest', 'rb.digest')
          .select(['r.id', 'rb.digest', 'b.size', sql<string>`'blob'`.as('kind')])
          .where('r.name', '=', repository)
          .where('b.deleting', '=', sql.lit(0))
          .where(inList[dialect]('rb.digest', blobs)),
      )
      .unionAll(
        db
          .selectFrom('repositories as r')
          .innerJoin('manifests as m', 'm.repository_id', 'r.id')
          .select(['r.id', 'm.digest', 'm.size', sql<string>`'manifest'`.as('kind')])
          .where('r.name', '=', repository)
          .where(inList[dialect]('m.digest', manifests)),
      ),
  );
}

const pushTargetQueries = { postgres: pushTargetQuery('postgres'), sqlite: pushTargetQuery('sqlite') };

/**
 * In one query: the repository's id and which of the blobs and manifests a new manifest references
 * are there, at what size; undefined when the repository does not exist yet.
 */
export async function pushTarget(
  db: Db,
  dialect: Dialect,
  repository: string,
  blobs: readonly string[],
  manifests: readonly string[],
): Promise<PushTarget | undefined> {
  const rows = await pushTargetQueries[dialect](
    db,
    repository,
    digestList(dialect, blobs),
    digestList(dialect, manifests),
  );
  const repositoryId = rows.find((row) => row.kind === 'repository')?.id;
  if (repositoryId === undefined) return undefined;
  const sizes = (kind: string) =>
    new Map(rows.filter((row) => row.kind === kind).map((row) => [row.digest as string, Number(row.size)]));
  return { repositoryId, blobs: sizes('blob'), manifests: sizes('manifest') };
}

export interface DirectPush {
  readonly repository: string;
  readonly manifest: Omit<NewManifest, 'repository_id'>;
  /** The blobs it references at the sizes its descriptors declare: stored only if all are so. */
  readonly blobs: readonly { readonly digest: string; readonly size: number }[];
  /** Blobs only: a manifest that lists other manifests (an index) is stored in a transaction. */
  readonly references: readonly { readonly digest: string; readonly kind: ReferenceKind }[];
  readonly tag?: string;
  /** Also records the push as the repository's last change when it last changed before this. */
  readonly touchBefore?: number;
}

const storeIfReadyQuery = prepared(
  (
    _db: Db,
    repository: string,
    blobDigests: readonly string[],
    blobSizes: readonly number[],
    pairs: number,
    digest: string,
    mediaType: string,
    artifactType: string | null,
    size: number,
    content: Buffer,
    subject: string | null,
    configMediaType: string | null,
    annotations: string | null,
    now: number,
    references: string,
    tag: string | null,
    touchBefore: number,
  ) => sql<{ stored: number | null; kept: number }>`
    with live as (
      select b.digest, b.size from blobs b
      where b.digest = any(${blobDigests}::text[]) and b.deleting = 0
      for key share
    ), ready as (
      select r.id from repositories r
      where r.name = ${repository}
        and not exists (select 1 from quotas q where q.project_id = r.project_id and q.hard >= 0)
        and (select count(*) from unnest(${blobDigests}::text[], ${blobSizes}::bigint[]) as x(d, s)
          join repository_blobs rb on rb.repository_id = r.id and rb.digest = x.d
          join live b on b.digest = x.d and b.size = x.s
        ) = ${pairs}
    ), kept as (
      select m.id from manifests m
      where m.repository_id = (select id from ready) and m.digest = ${digest}
      for key share
    ), inserted as (
      insert into manifests (repository_id, digest, media_type, artifact_type, size, content,
        subject_digest, config_media_type, annotations, created_at, parent_count, top_level)
      select ready.id, ${digest}, ${mediaType}, ${artifactType}, ${size}, ${content}, ${subject},
        ${configMediaType}, ${annotations}, ${now}, 0,
        case when exists (select 1 from manifests s
          where s.repository_id = ready.id and s.digest = ${subject}::text)
        then 0 else 1 end
      from ready
      on conflict (repository_id, digest) do nothing
      returning id
    ), referenced as (
      insert into manifest_references (manifest_id, digest, kind)
      select inserted.id, r.digest, r.kind
      from inserted cross join json_to_recordset(${references}::json) as r(digest text, kind text)
    ), demoted as (
      update manifests set top_level = 0
      where id in (select m.id from manifests m
          where m.repository_id = (select id from ready) and m.subject_digest = ${digest})
        and top_level = 1 and exists (select 1 from inserted)
    ), tagged as (
      insert into tags (repository_id, name, digest, updated_at)
      select ready.id, ${tag}::text, ${digest}, ${now} from ready
      where ${tag}::text is not null
      on conflict (repository_id, name) do update set digest = excluded.digest, updated_at = excluded.updated_at
    ), touched as (
      update repositories set updated_at = ${now}
      where id = (select id from ready) and updated_at < ${touchBefore}
    )
    select (select id from ready) as stored, (select count(*) from kept) as kept
  `,
);

/**
 * PostgreSQL only: one prepared statement that stores a manifest listing no other manifest (with its
 * references, its tag and the repository's last change) when its repository exists and holds every
 * blob it references at the declared size, its project has no storage limit to check, and none of
 * the blobs is being garbage-collected (they are
 * locked, `FOR KEY SHARE`, until it commits), atomic on its own: one round trip instead of a
 * transaction's eight. Returns false, storing nothing, when it is not so (the caller finds out why).
 * The top-level facts are kept as insertManifest keeps them: the manifest is top-level unless its
 * subject is in the repository, and accessories pushed before it stop being. A manifest stored
 * already keeps its references; its tag still moves to it, and it is locked (`FOR KEY SHARE`) so
 * that garbage collection of untagged manifests, which locks it `FOR UPDATE` before it looks for
 * tags, sees the new tag.
 */
export async function storeIfReady(db: Db, push: DirectPush): Promise<boolean> {
  const m = push.manifest;
  const pairs = new Map(push.blobs.map((b) => [`${b.digest} ${b.size}`, b]));
  const [row] = await storeIfReadyQuery(
    db,
    push.repository,
    [...pairs.values()].map((b) => b.digest),
    [...pairs.values()].map((b) => b.size),
    pairs.size,
    m.digest,
    m.media_type,
    m.artifact_type ?? null,
    m.size,
    m.content,
    m.subject_digest ?? null,
    m.config_media_type ?? null,
    m.annotations ?? null,
    m.created_at,
    JSON.stringify(push.references.map((r) => ({ digest: r.digest, kind: r.kind }))),
    push.tag ?? null,
    push.touchBefore ?? 0,
  );
  return row?.stored !== null && row?.stored !== undefined;
}
