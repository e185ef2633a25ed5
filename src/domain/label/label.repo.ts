import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Database, LabelTable } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { containsText, type Field, type Filters, filterConditions, type Sort, type Term } from '../query.js';
import type { Label, LabelField, LabelScope } from './label.model.js';

type Db = Kysely<Database>;

function toLabel(row: Selectable<LabelTable>): Label {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    scope: row.scope,
    projectId: row.project_id,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

const fields: Readonly<Partial<Record<LabelField, Field>>> = {
  id: { column: 'id', type: 'integer' },
  name: { column: 'name', type: 'text' },
  description: { column: 'description', type: 'text' },
  color: { column: 'color', type: 'text' },
  scope: { column: 'scope', type: 'text' },
  projectId: { column: 'project_id', type: 'integer' },
  createdAt: { column: 'created_at', type: 'time' },
  updatedAt: { column: 'updated_at', type: 'time' },
};

const flag = (key: string, raw: string): string => {
  const text = raw.trim().replace(/^["']|["']$/g, '');
  if (/^(true|1)$/i.test(text)) return 'true';
  if (/^(false|0)$/i.test(text)) return 'false';
  throw new BerthError('INVALID_INPUT', `${key} takes true or false, not "${text.slice(0, 40)}"`);
};
const text = (_key: string, raw: string): string => raw.trim().replace(/^["']|["']$/g, '');

/**
 * A term on a column that holds one value for every label (Harbor's `level`, always `u` here, and
 * `deleted`, always false): it keeps every label or none.
 */
function constantTerm(key: string, value: string, normalize: (key: string, raw: string) => string) {
  return (term: Term): Expression<SqlBool> => {
    let keeps: boolean;
    switch (term.kind) {
      case 'exact':
        keeps = normalize(key, term.value) === value;
        break;
      case 'fuzzy':
        keeps = value.includes(term.value.toLowerCase());
        break;
      case 'range':
        keeps =
          (term.min === undefined || normalize(key, term.min) <= value) &&
          (term.max === undefined || value <= normalize(key, term.max));
        break;
      case 'anyOf':
        keeps = term.values.some((v) => normalize(key, v) === value);
        break;
      case 'allOf':
        throw new BerthError('INVALID_INPUT', `${key} holds one value: use ${key}={a b} for any of several`);
    }
    return keeps ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
  };
}

const special = {
  level: constantTerm('level', 'u', text),
  deleted: constantTerm('deleted', 'false', flag),
};

export interface LabelListFilter {
  readonly scope: LabelScope;
  readonly projectId?: number | undefined;
  /** Name contains (ignoring case). */
  readonly name?: string | undefined;
  readonly filters: Filters<LabelField>;
  readonly sorts: readonly Sort<LabelField>[];
}

/** One page of the labels of a scope (and project): a range of the (scope, project_id, name) index. */
export async function listLabels(db: Db, filter: LabelListFilter, page: PageRequest): Promise<Listed<Label>> {
  let base = db.selectFrom('labels').where('scope', '=', filter.scope);
  if (filter.projectId !== undefined) base = base.where('project_id', '=', filter.projectId);
  if (filter.name !== undefined) base = base.where(containsText('name', filter.name));
  for (const condition of filterConditions(filter.filters, fields, special)) base = base.where(condition);
  return countAndPage(base, page, async (q) => {
    let ordered = q.selectAll();
    for (const sort of filter.sorts) {
      // Level and deletion are the same for every label: sorting by them changes nothing.
      const column = fields[sort.field]?.column;
      if (column) ordered = ordered.orderBy(sql.ref(column), sort.desc ? 'desc' : 'asc');
    }
    return (await ordered.orderBy('id').execute()).map(toLabel);
  });
}

export async function labelById(db: Db, id: number): Promise<Label | undefined> {
  const row = await db.selectFrom('labels').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toLabel(row) : undefined;
}

/** Inserts the label; undefined when its scope (and project) already has one of that name. */
export async function insertLabel(
  db: Db,
  label: Omit<Label, 'id' | 'createdAt' | 'updatedAt'>,
  now: number,
): Promise<Label | undefined> {
  const row = await db
    .insertInto('labels')
    .values({
      name: label.name,
      description: label.description,
      color: label.color,
      scope: label.scope,
      project_id: label.projectId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['scope', 'project_id', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toLabel(row) : undefined;
}

/** Whether another label of the same scope and project as label `id` is named `name`. */
async function nameTaken(db: Db, id: number, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('labels as other')
    .innerJoin('labels as l', (j) =>
      j.onRef('l.scope', '=', 'other.scope').onRef('l.project_id', '=', 'other.project_id'),
    )
    .select('other.id')
    .where('l.id', '=', id)
    .where('other.name', '=', name)
    .where('other.id', '<>', id)
    .executeTakeFirst();
  return row !== undefined;
}

/** Sets the name, description and colour of label `id`. */
export async function updateLabel(
  db: Db,
  id: number,
  changes: { name: string; description: string; color: string },
  now: number,
): Promise<'updated' | 'missing' | 'conflict'> {
  if (await nameTaken(db, id, changes.name)) return 'conflict';
  try {
    const result = await db
      .updateTable('labels')
      .set({ ...changes, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 0 ? 'missing' : 'updated';
  } catch (error) {
    // Another request took the name in the meantime: the unique constraint refused this one.
    if (await nameTaken(db, id, changes.name)) return 'conflict';
    throw error;
  }
}

/** Deletes label `id` after detaching it from every artifact; false when there was none. */
export async function deleteLabel(db: Db, id: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('artifact_labels').where('label_id', '=', id).execute();
    const result = await tx.deleteFrom('labels').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

/** The project of artifact (manifest) `artifactId`, through its repository. */
export async function projectOfArtifact(db: Db, artifactId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select('r.project_id')
    .where('m.id', '=', artifactId)
    .executeTakeFirst();
  return row?.project_id;
}

/** Attaches the label; `exists` when it already is, `missing` when the label or artifact just went. */
export async function addArtifactLabel(
  db: Db,
  artifactId: number,
  labelId: number,
  now: number,
): Promise<'added' | 'exists' | 'missing'> {
  try {
    const row = await db
      .insertInto('artifact_labels')
      .values({ manifest_id: artifactId, label_id: labelId, created_at: now })
      .onConflict((oc) => oc.columns(['manifest_id', 'label_id']).doNothing())
      .returning('label_id')
      .executeTakeFirst();
    return row ? 'added' : 'exists';
  } catch (error) {
    // A foreign key refused the row: the label or the artifact was deleted since it was looked up.
    const [label, project] = await Promise.all([labelById(db, labelId), projectOfArtifact(db, artifactId)]);
    if (!label || project === undefined) return 'missing';
    throw error;
  }
}

/** Detaches the label; false when the artifact did not carry it. */
export async function removeArtifactLabel(db: Db, artifactId: number, labelId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('artifact_labels')
    .where('manifest_id', '=', artifactId)
    .where('label_id', '=', labelId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The labels of each artifact (by label id), read over the (manifest_id, label_id) key. */
export async function labelsOfArtifacts(
  db: Db,
  artifactIds: readonly number[],
): Promise<Map<number, Label[]>> {
  const out = new Map<number, Label[]>();
  const ids = [...new Set(artifactIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('artifact_labels as al')
      .innerJoin('labels as l', 'l.id', 'al.label_id')
      .selectAll('l')
      .select('al.manifest_id')
      .where('al.manifest_id', 'in', ids.slice(i, i + 500))
      .orderBy('al.manifest_id')
      .orderBy('l.id')
      .execute();
    for (const { manifest_id, ...row } of rows) {
      const labels = out.get(manifest_id) ?? [];
      labels.push(toLabel(row));
      out.set(manifest_id, labels);
    }
  }
  return out;
}

const labelsQueryMessage =
  'the value of "labels" query can only be integer list with intersetion relationship';

/**
 * Harbor's `q=labels=(1 2)` on an artifact list: the artifacts that carry every one of those labels.
 * A condition on `m.id` (the list's alias of manifests), one key lookup per label and artifact.
 * Any other form (`labels=1`, `labels={1 2}`, names) is refused with Harbor's message; `labels=()`
 * asks for nothing and keeps every artifact.
 */
export function hasAllLabels(term: Term): Expression<SqlBool> {
  if (term.kind !== 'allOf') throw new BerthError('INVALID_INPUT', labelsQueryMessage);
  const ids = term.values.map((v) => v.trim());
  if (!ids.every((id) => /^[+-]?\d{1,15}$/.test(id)))
    throw new BerthError('INVALID_INPUT', labelsQueryMessage);
  const distinct = [...new Set(ids.map(Number))];
  if (distinct.length === 0) return sql<SqlBool>`1 = 1`;
  const carries = distinct.map(
    (id) =>
      sql`exists (select 1 from artifact_labels al where al.manifest_id = ${sql.ref('m.id')} and al.label_id = ${id})`,
  );
  return sql<SqlBool>`(${sql.join(carries, sql` and `)})`;
}
