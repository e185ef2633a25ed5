import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/index.js';

/** Asks the database the cheapest question there is. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
