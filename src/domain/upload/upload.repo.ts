import type { Kysely } from 'kysely';
import type { Database, Upload as UploadRow } from '../../db/index.js';

type Db = Kysely<Database>;

export interface Segment {
  readonly key: string;
  readonly size: number;
}

/** An upload in progress: its repository, the bytes received so far and the stored chunks holding them. */
export interface Upload {
  readonly id: string;
  readonly repository: string;
  readonly size: number;
  readonly segments: readonly Segment[];
}

const toUpload = (row: UploadRow): Upload => ({
  id: row.id,
  repository: row.repository,
  size: Number(row.size),
  segments: JSON.parse(row.segments) as Segment[],
});

export async function findUpload(db: Db, id: string): Promise<Upload | undefined> {
  const row = await db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUpload(row);
}

export async function insertUpload(db: Db, id: string, repository: string, now: number): Promise<void> {
  await db
    .insertInto('uploads')
    .values({ id, repository, size: 0, segments: '[]', created_at: now, updated_at: now })
    .execute();
}

/** Records one more segment, unless another request appended first (then returns false). */
export async function appendSegment(
  db: Db,
  upload: Upload,
  segment: Segment,
  now: number,
): Promise<Upload | undefined> {
  const segments = [...upload.segments, segment];
  const size = upload.size + segment.size;
  const result = await db
    .updateTable('uploads')
    .set({ size, segments: JSON.stringify(segments), updated_at: now })
    .where('id', '=', upload.id)
    .where('size', '=', upload.size)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return { ...upload, size, segments };
}

export async function deleteUpload(db: Db, id: string): Promise<void> {
  await db.deleteFrom('uploads').where('id', '=', id).execute();
}

export async function staleUploadIds(db: Db, updatedBefore: number): Promise<string[]> {
  const rows = await db.selectFrom('uploads').select('id').where('updated_at', '<', updatedBefore).execute();
  return rows.map((r) => r.id);
}

export async function existingUploadIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('uploads').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}
