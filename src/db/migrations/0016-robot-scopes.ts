import { type Kysely, type Migration, sql } from 'kysely';

interface StoredPermission {
  kind?: string;
  namespace?: string;
  projectId?: number;
  access?: unknown[];
}

/**
 * Robots' project permissions remember the project by id, as Harbor's (`/project/<id>`): a project
 * deleted and made again under its name is another project, which a robot of the first must not
 * reach. Existing permissions get the id of the project their namespace names now (0, which no
 * project has, when there is none). Robot lists read by level, project and name through an index.
 */
export function robotScopesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const robots = await sql<{
        id: number;
        permissions: string;
      }>`select id, permissions from robots`.execute(db);
      const projects = await sql<{ id: number; name: string }>`select id, name from projects`.execute(db);
      const ids = new Map(projects.rows.map((p) => [p.name, Number(p.id)]));
      for (const robot of robots.rows) {
        const permissions = JSON.parse(robot.permissions) as StoredPermission[];
        let changed = false;
        for (const permission of permissions) {
          if (
            permission.kind !== 'project' ||
            permission.namespace === '*' ||
            permission.projectId !== undefined
          )
            continue;
          permission.projectId = ids.get(permission.namespace ?? '') ?? 0;
          changed = true;
        }
        if (changed)
          await sql`update robots set permissions = ${JSON.stringify(permissions)} where id = ${robot.id}`.execute(
            db,
          );
      }
      await db.schema
        .createIndex('robots_scope')
        .on('robots')
        .columns(['level', 'project_id', 'name'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('robots_scope').execute();
    },
  };
}
