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
  readonly manifest: NewManifest & { readonly repository_id: number };
  /** Blobs only: a manifest that lists other manifests (an index) is stored in a transaction. */
  readonly references: readonly { readonly digest: string; readonly kind: ReferenceKind }[];
  readonly tag?: string;
  /** Also records the push as the repository's last change when it last changed before this. */
  readonly touchBefore?: number;
}

const storeDirectQuery = prepared(
  (
    _db: Db,
    repositoryId: number,
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
  ) => sql`
    with inserted as (
      insert into manifests (repository_id, digest, media_type, artifact_type, size, content,
        subject_digest, config_media_type, annotations, created_at, parent_count, top_level)
      values (${repositoryId}, ${digest}, ${mediaType}, ${artifactType}, ${size}, ${content}, ${subject},
        ${configMediaType}, ${annotations}, ${now}, 0,
        case when exists (select 1 from manifests s
          where s.repository_id = ${repositoryId} and s.digest = ${subject}::text)
        then 0 else 1 end)
      on conflict (repository_id, digest) do nothing
      returning id
    ), referenced as (
      insert into manifest_references (manifest_id, digest, kind)
      select inserted.id, r.digest, r.kind
      from inserted cross join json_to_recordset(${references}::json) as r(digest text, kind text)
    ), demoted as (
      update manifests set top_level = 0
      where id in (select id from manifests where repository_id = ${repositoryId} and subject_digest = ${digest})
        and top_level = 1 and exists (select 1 from inserted)
    ), tagged as (
      insert into tags (repository_id, name, digest, updated_at)
      select ${repositoryId}, ${tag}::text, ${digest}, ${now}
      where ${tag}::text is not null
      on conflict (repository_id, name) do update set digest = excluded.digest, updated_at = excluded.updated_at
    ), touched as (
      update repositories set updated_at = ${now} where id = ${repositoryId} and updated_at < ${touchBefore}
    )
    select 1 as stored
  `,
);

/**
 * PostgreSQL only: stores a manifest that lists no other manifest (with its references, its tag and
 * the repository's last change) in one prepared statement, atomic on its own: one round trip instead
 * of a transaction's eight. The top-level facts are kept as insertManifest keeps them: the manifest is
 * top-level unless its subject is in the repository, and accessories pushed before it stop being.
 * A manifest stored already keeps its references; its tag still moves to it.
 */
export async function storeDirect(db: Db, push: DirectPush): Promise<void> {
  const m = push.manifest;
  await storeDirectQuery(
    db,
    m.repository_id,
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
}
