import type { Kysely, Selectable } from 'kysely';
import type { Database, ImmutableRuleTable } from '../../db/index.js';
import type { ImmutableRule, NewImmutableRule } from './immutable.model.js';

type Db = Kysely<Database>;

const toRule = (row: Selectable<ImmutableRuleTable>): ImmutableRule => ({
  id: Number(row.id),
  projectId: Number(row.project_id),
  priority: Number(row.priority),
  disabled: row.disabled === 1,
  tagSelectors: JSON.parse(row.tag_selectors),
  scopeSelectors: JSON.parse(row.scope_selectors),
});

/** A project's rules, by id (a project has a handful: Harbor allows 15). */
export async function rulesOf(db: Db, projectId: number): Promise<ImmutableRule[]> {
  const rows = await db
    .selectFrom('immutable_rules')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
  return rows.map(toRule);
}

export async function insertRule(
  db: Db,
  projectId: number,
  rule: NewImmutableRule,
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('immutable_rules')
    .values({
      project_id: projectId,
      priority: rule.priority,
      disabled: rule.disabled ? 1 : 0,
      tag_selectors: JSON.stringify(rule.tagSelectors),
      scope_selectors: JSON.stringify(rule.scopeSelectors),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateRule(
  db: Db,
  projectId: number,
  id: number,
  rule: NewImmutableRule,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('immutable_rules')
    .set({
      priority: rule.priority,
      disabled: rule.disabled ? 1 : 0,
      tag_selectors: JSON.stringify(rule.tagSelectors),
      scope_selectors: JSON.stringify(rule.scopeSelectors),
      updated_at: now,
    })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteRule(db: Db, projectId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('immutable_rules')
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The rules of the project with this name (none when it has none or does not exist). */
export async function rulesOfProjectNamed(db: Db, project: string): Promise<ImmutableRule[]> {
  const rows = await db
    .selectFrom('immutable_rules as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .selectAll('r')
    .where('p.name', '=', project)
    .orderBy('r.id')
    .execute();
  return rows.map(toRule);
}
