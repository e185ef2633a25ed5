import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database, Dialect } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import {
  accessoryDigests,
  childDigests,
  deleteManifest,
  manifestId,
  parentIndexes,
  unkeptManifests,
} from '../manifest/manifest.repo.js';
import { tagNamesOn } from '../manifest/tag.repo.js';

type Db = Kysely<Database>;

export interface TreeDeletion {
  /** Restarts the garbage-collection window of their blobs (undefined: garbage collection deletes). */
  readonly touchAt?: number | undefined;
  /** Given the tags of each manifest before it goes; throws to keep them all (immutable tags). */
  readonly assertDeletable?: ((tags: readonly string[]) => void) | undefined;
  /** PostgreSQL: each manifest is locked `FOR UPDATE` before its tags are read (see below). */
  readonly dialect?: Dialect | undefined;
}

/**
 * Deletes the artifact and what exists only for it: its accessories (signatures, SBOMs) and, for an
 * index, the children no tag and no other index keeps. An artifact that an index in the repository
 * lists is refused (REFERENCED). Returns the digests deleted. Run it in a transaction. On PostgreSQL
 * each manifest, and an index's children before they are judged, is locked `FOR UPDATE` first, which
 * waits for every transaction tagging it (those lock it `FOR KEY SHARE`); the tags are then read
 * with what those committed, so a child tagged meanwhile stays.
 */
export async function deleteArtifactTree(
  tx: Db,
  repositoryId: number,
  digest: string,
  options: TreeDeletion = {},
): Promise<string[]> {
  const lock = async (digests: readonly string[]) => {
    if (options.dialect !== 'postgres' || digests.length === 0) return;
    await tx
      .selectFrom('manifests')
      .select('id')
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', [...digests])
      .orderBy('id')
      .forUpdate()
      .execute();
  };
  const deleted: string[] = [];
  const queue = [digest];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const current = next;
    await lock([current]);
    const id = await manifestId(tx, repositoryId, current);
    if (id === undefined) continue;
    const [children, accessories] = await Promise.all([
      childDigests(tx, id),
      accessoryDigests(tx, repositoryId, current),
    ]);
    options.assertDeletable?.(await tagNamesOn(tx, repositoryId, current));
    const outcome = await deleteManifest(tx, repositoryId, current, options.touchAt);
    if (outcome === 'referenced') {
      // Only the artifact asked for can be listed by an index: the rest are its own parts.
      const parents = await parentIndexes(tx, repositoryId, current);
      throw new BerthError(
        'REFERENCED',
        `artifact ${current} is part of index ${parents[0] ?? 'another'}; delete the index first`,
      );
    }
    if (outcome === 'missing') continue;
    deleted.push(current);
    queue.push(...accessories);
    // Children that no other index lists and no tag keeps go with their index.
    await lock(children);
    queue.push(...(await unkeptManifests(tx, repositoryId, children)));
  }
  return deleted;
}

/** A top-level manifest that no tag names, pushed before a cutoff: what garbage collection may delete. */
export interface UntaggedArtifact {
  readonly id: number;
  readonly repositoryId: number;
  readonly repository: string;
  readonly projectId: number;
  readonly digest: string;
  readonly mediaType: string;
}

/** `m` (a manifest) has no tag in its repository. */
const untaggedManifest = ({
  not,
  exists,
  selectFrom,
}: ExpressionBuilder<Database & { m: Database['manifests'] }, 'm'>) =>
  not(
    exists(
      selectFrom('tags as t')
        .select(sql.lit(1).as('one'))
        .whereRef('t.repository_id', '=', 'm.repository_id')
        .whereRef('t.digest', '=', 'm.digest'),
    ),
  );

const untagged = (db: Db, cutoff: number) =>
  db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select([
      'm.id',
      'm.repository_id as repositoryId',
      'r.name as repository',
      'r.project_id as projectId',
      'm.digest',
      'm.media_type as mediaType',
    ])
    .where('m.top_level', '=', 1)
    .where('m.parent_count', '=', 0)
    .where('m.created_at', '<', cutoff)
    .where(untaggedManifest);

/** The next untagged artifacts after `afterId`, by id (garbage collection's `delete_untagged`). */
export async function untaggedArtifacts(
  db: Db,
  afterId: number,
  cutoff: number,
  limit: number,
): Promise<UntaggedArtifact[]> {
  const rows = await untagged(db, cutoff).where('m.id', '>', afterId).orderBy('m.id').limit(limit).execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Deletes an untagged artifact (with its accessories and unkept children) if it still is one, safely
 * beside pushes that tag it: the manifest is locked first (`FOR UPDATE`, which waits for every
 * transaction tagging it: those lock it `FOR KEY SHARE`), then looked at again with what they
 * committed. Returns the digests deleted; none when it was tagged, listed or deleted meanwhile.
 */
export async function deleteIfUntagged(
  db: Db,
  dialect: Dialect,
  artifact: UntaggedArtifact,
  cutoff: number,
  assertDeletable?: (tags: readonly string[]) => void,
): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    if (dialect === 'postgres') {
      const locked = await tx
        .selectFrom('manifests')
        .select('id')
        .where('id', '=', artifact.id)
        .forUpdate()
        .executeTakeFirst();
      if (!locked) return [];
    }
    const still = await untagged(tx, cutoff).where('m.id', '=', artifact.id).executeTakeFirst();
    if (!still) return [];
    return deleteArtifactTree(tx, artifact.repositoryId, artifact.digest, { assertDeletable, dialect });
  });
}

/**
 * What deleting the untagged artifact would delete (a dry run): the manifests' ids, walked as
 * deleteArtifactTree walks them, reading only.
 */
export async function untaggedTree(db: Db, artifact: UntaggedArtifact): Promise<number[]> {
  const ids: number[] = [];
  const seen = new Set<string>();
  const queue = [artifact.digest];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const id = await manifestId(db, artifact.repositoryId, next);
    if (id === undefined) continue;
    ids.push(id);
    const [children, accessories] = await Promise.all([
      childDigests(db, id),
      accessoryDigests(db, artifact.repositoryId, next),
    ]);
    queue.push(...accessories);
    // A child goes when no tag keeps it and this index is its only parent.
    const unkept = await db
      .selectFrom('manifests as m')
      .select('m.digest')
      .where('m.repository_id', '=', artifact.repositoryId)
      .where('m.digest', 'in', children.length > 0 ? children : [''])
      .where('m.parent_count', '=', 1)
      .where(untaggedManifest)
      .execute();
    queue.push(...unkept.map((r) => r.digest));
  }
  return ids;
}
