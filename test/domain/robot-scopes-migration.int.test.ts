import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/index.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createTestDatabase } from '../support/services.js';

describe.each(['sqlite', 'postgres'] as const)('migration 0016 robot scopes (%s)', (databaseKind) => {
  it('gives existing project permissions the id of the project they name, 0 when it is gone', async () => {
    const database = await createTestDatabase(databaseKind);
    const handle = await database.open();
    try {
      const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
      const down = await migrator.migrateTo('0015-scan-all');
      expect(down.error).toBeUndefined();
      expect(down.results?.at(-1)).toMatchObject({ migrationName: '0016-robot-scopes', direction: 'Down' });
      const now = Date.now();
      const owner = await handle.db
        .insertInto('users')
        .values({ username: 'owner', email: null, password_hash: null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const project = await handle.db
        .insertInto('projects')
        .values({ name: 'keep', owner_id: owner.id, public: 0, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const access = [{ resource: 'repository', action: 'pull' }];
      const before = [
        { kind: 'project', namespace: 'keep', access },
        { kind: 'project', namespace: 'gone', access },
        { kind: 'project', namespace: '*', access },
        { kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }] },
      ];
      await handle.db
        .insertInto('robots')
        .values({
          name: 'robot$old',
          level: 'system',
          project_id: null,
          secret_hash: 'x',
          permissions: JSON.stringify(before),
          duration_days: -1,
          expires_at: -1,
          creator_id: owner.id,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await migrateToLatest(handle);
      const row = await handle.db
        .selectFrom('robots')
        .select('permissions')
        .where('name', '=', 'robot$old')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.permissions)).toEqual([
        { kind: 'project', namespace: 'keep', projectId: project.id, access },
        { kind: 'project', namespace: 'gone', projectId: 0, access },
        { kind: 'project', namespace: '*', access },
        { kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }] },
      ]);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
