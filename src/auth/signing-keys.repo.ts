import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

type Db = Kysely<Database>;

export interface StoredKey {
  readonly kid: string;
  readonly privateJwk: string;
  readonly publicJwk: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

/** Every key, newest first. */
export async function allKeys(db: Db): Promise<Omit<StoredKey, 'privateJwk' | 'publicJwk'>[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'created_at', 'retired_at'])
    .orderBy('created_at', 'desc')
    .orderBy('kid')
    .execute();
  return rows.map((r) => ({ kid: r.kid, createdAt: Number(r.created_at), retiredAt: r.retired_at }));
}

/** The newest key that is not retired, the one tokens are signed with. */
export async function newestKey(db: Db): Promise<StoredKey | undefined> {
  const row = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('kid')
    .executeTakeFirst();
  return (
    row && {
      kid: row.kid,
      privateJwk: row.private_jwk,
      publicJwk: row.public_jwk,
      createdAt: Number(row.created_at),
      retiredAt: row.retired_at,
    }
  );
}

/** The public key of an unretired key, by id. */
export async function publicKeyOf(db: Db, kid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('signing_keys')
    .select('public_jwk')
    .where('kid', '=', kid)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return row?.public_jwk;
}

export async function insertKey(
  db: Db,
  key: { kid: string; algorithm: string; privateJwk: string; publicJwk: string; now: number },
): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      algorithm: key.algorithm,
      private_jwk: key.privateJwk,
      public_jwk: key.publicJwk,
      created_at: key.now,
      retired_at: null,
    })
    .execute();
}

export async function retireKeys(db: Db, kids: readonly string[], now: number): Promise<void> {
  if (kids.length === 0) return;
  await db
    .updateTable('signing_keys')
    .set({ retired_at: now })
    .where('kid', 'in', [...kids])
    .execute();
}
