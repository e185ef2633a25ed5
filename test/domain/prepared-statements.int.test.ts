import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInScannerId, connectDatabase, type DatabaseHandle, prepared } from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const scannerById = prepared((db: DatabaseHandle['db'], uuid: string) =>
  db.selectFrom('scanner_registrations').select(['uuid', 'url']).where('uuid', '=', uuid),
);
const everyColumn = prepared((db: DatabaseHandle['db'], uuid: string) =>
  db.selectFrom('scanner_registrations').selectAll().where('uuid', '=', uuid),
);
// The one scanner every database starts with.
const builtIn = { uuid: builtInScannerId, url: 'builtin:berth' };

/** The named statements of the pool's one connection. */
async function statements(handle: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
    handle.db,
  );
  return rows.map((r) => r.statement);
}

describe('prepared queries on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('run as named statements, answer as plain queries do, and not when switched off', async () => {
    const named = await connectDatabase(database.url, { poolSize: 1 });
    const plain = await connectDatabase(database.url, { poolSize: 1, preparedStatements: false });
    try {
      for (const handle of [named, plain]) {
        expect(await scannerById(handle.db, builtInScannerId)).toEqual([builtIn]);
        expect(await scannerById(handle.db, 'no-such-scanner')).toEqual([]);
        expect((await everyColumn(handle.db, builtInScannerId))[0]).toMatchObject(builtIn);
      }
      const preparedTexts = await statements(named);
      expect(
        preparedTexts.some((text) => /select "uuid", "url" from "scanner_registrations"/.test(text)),
      ).toBe(true);
      // A `select *` statement is not kept: a migration adding a column would change its result type.
      expect(preparedTexts.some((text) => /select \* from "scanner_registrations"/.test(text))).toBe(false);
      expect(await statements(plain)).toEqual([]);
      // Writes through the same client report their affected rows.
      const updated = await named.db
        .updateTable('scanner_registrations')
        .set({ description: 'the built-in scanner' })
        .where('uuid', '=', builtInScannerId)
        .executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(1n);
    } finally {
      await named.close();
      await plain.close();
    }
  });
});
