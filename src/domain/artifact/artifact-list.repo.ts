import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Database } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import { countAndPage, type Listed, type PageRequest } from '../pagination.js';
import { type Field, type Filters, filterConditions, matchesText, type Sort, type Term } from '../query.js';
import type { ArtifactField } from './artifact.model.js';

/** The artifact lists' query: Harbor's filters and sorts on a repository's or a project's top-level artifacts. */

type Db = Kysely<Database>;

const imageConfigs = [
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
];
const indexTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const typeConfigs: Readonly<Record<string, readonly string[]>> = {
  CHART: ['application/vnd.cncf.helm.config.v1+json'],
  CNAB: ['application/vnd.cnab.manifest.v1'],
};

/** Harbor's artifact type (IMAGE, CHART, CNAB, UNKNOWN) as a condition on the stored media types. */
function typeCondition(type: string): Expression<SqlBool> {
  switch (type.toUpperCase()) {
    case 'IMAGE':
      return sql<SqlBool>`(m.media_type in (${sql.join(indexTypes)}) or m.config_media_type in (${sql.join(imageConfigs)}))`;
    case 'CHART':
    case 'CNAB':
      return sql<SqlBool>`m.config_media_type in (${sql.join([...(typeConfigs[type.toUpperCase()] ?? [])])})`;
    case 'UNKNOWN':
      return sql<SqlBool>`(m.media_type not in (${sql.join(indexTypes)}) and (m.config_media_type is null or m.config_media_type not in (${sql.join(
        [...imageConfigs, ...Object.values(typeConfigs).flat()],
      )})))`;
    default:
      return sql<SqlBool>`1 = 0`;
  }
}

/** A term on a value computed from columns, compared as text (exact, fuzzy, any of). */
function computedTerm(
  key: string,
  term: Term,
  expression: Expression<string>,
  one: (v: string) => Expression<SqlBool>,
) {
  if (term.kind === 'exact') return one(term.value);
  if (term.kind === 'anyOf')
    return term.values.length
      ? sql<SqlBool>`(${sql.join(term.values.map(one), sql` or `)})`
      : sql<SqlBool>`1 = 0`;
  if (term.kind === 'fuzzy')
    return sql<SqlBool>`lower(${expression}) like ${`%${term.value.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`} escape '\\'`;
  throw new BerthError('INVALID_INPUT', `${key} takes k=v, k=~v or k={a b}`);
}

/** Tag filters as Harbor has them: `*` tagged, `nil` untagged, a name, `~part`, `{a b}` any of. */
function tagsCondition(term: Term): Expression<SqlBool> {
  const tagged = (condition: Expression<SqlBool>) =>
    sql<SqlBool>`exists (select 1 from tags t where t.repository_id = m.repository_id and t.digest = m.digest and ${condition})`;
  if (term.kind === 'exact' && term.value === '*') return tagged(sql<SqlBool>`1 = 1`);
  if (term.kind === 'exact' && term.value === 'nil') return sql<SqlBool>`not ${tagged(sql<SqlBool>`1 = 1`)}`;
  if (term.kind === 'exact' || term.kind === 'fuzzy')
    return tagged(matchesText('t.name', { value: term.value, fuzzy: term.kind === 'fuzzy' }));
  if (term.kind === 'anyOf')
    return term.values.length
      ? tagged(sql<SqlBool>`t.name in (${sql.join([...term.values])})`)
      : sql<SqlBool>`1 = 0`;
  throw new BerthError(
    'INVALID_INPUT',
    'the value of "tags" query can only be fuzzy match value or exact match value with "*" and "nil"',
  );
}

const mediaType = sql<string>`coalesce(m.config_media_type, m.media_type)`;
const artifactType = sql<string>`coalesce(m.artifact_type, m.config_media_type, m.media_type)`;

const fields: Readonly<Partial<Record<ArtifactField, Field>>> = {
  id: { column: 'm.id', type: 'integer' },
  digest: { column: 'm.digest', type: 'text' },
  manifestMediaType: { column: 'm.media_type', type: 'text' },
  pushTime: { column: 'm.created_at', type: 'time' },
  pullTime: { column: 'm.pull_time', type: 'time' },
  repositoryId: { column: 'm.repository_id', type: 'integer' },
  repositoryName: { column: 'r.name', type: 'text' },
  projectId: { column: 'r.project_id', type: 'integer' },
};

const sortColumns: Readonly<Partial<Record<ArtifactField, Expression<unknown>>>> = {
  id: sql.ref('m.id'),
  digest: sql.ref('m.digest'),
  mediaType,
  manifestMediaType: sql.ref('m.media_type'),
  artifactType,
  pushTime: sql.ref('m.created_at'),
  pullTime: sql.ref('m.pull_time'),
  repositoryId: sql.ref('m.repository_id'),
  repositoryName: sql.ref('r.name'),
};

export interface ArtifactListQuery extends PageRequest {
  readonly filters: Filters<ArtifactField>;
  readonly sorts: readonly Sort<ArtifactField>[];
  /** The artifacts of one repository (its top-level index range), or of every repository of a project. */
  readonly scope: { readonly repositoryId: number } | { readonly projectId: number };
  /** A condition on the labels (from the label module: `m` is the manifest). */
  readonly labels?: ((term: Term) => Expression<SqlBool>) | undefined;
  /** Only each repository's newest matching artifact (Harbor's latest_in_repository). */
  readonly latestInRepository?: boolean | undefined;
}

/** One page of top-level artifacts' manifest ids, newest first unless sorted otherwise. */
export async function listTopLevel(db: Db, query: ArtifactListQuery): Promise<Listed<number>> {
  const conditions = filterConditions(query.filters, fields, {
    mediaType: (term) =>
      computedTerm('media_type', term, mediaType, (v) => sql<SqlBool>`${mediaType} = ${v}`),
    artifactType: (term) =>
      computedTerm('artifact_type', term, artifactType, (v) => sql<SqlBool>`${artifactType} = ${v}`),
    type: (term) => computedTerm('type', term, mediaType, typeCondition),
    tags: tagsCondition,
    ...(query.labels ? { labels: query.labels } : {}),
  });
  const scope = query.scope;
  if (query.latestInRepository) {
    // Harbor's latest_in_repository: each repository's newest artifact of the media type or artifact
    // type the filter names (when it also matches the other filters).
    const kind = query.filters.artifactType
      ? sql`coalesce(newer.artifact_type, newer.config_media_type, newer.media_type) = ${artifactType}`
      : sql`coalesce(newer.config_media_type, newer.media_type) = ${mediaType}`;
    conditions.push(sql<SqlBool>`not exists (select 1 from manifests newer where newer.repository_id = m.repository_id
      and newer.top_level = 1 and (newer.created_at > m.created_at or (newer.created_at = m.created_at and newer.id > m.id))
      and ${kind})`);
  }
  const base = db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select('m.id')
    .where('m.top_level', '=', 1)
    .where((eb) =>
      'repositoryId' in scope
        ? eb('m.repository_id', '=', scope.repositoryId)
        : eb('r.project_id', '=', scope.projectId),
    )
    .where((eb) => eb.and(conditions));
  const sorts = query.sorts.length > 0 ? query.sorts : [{ field: 'pushTime' as const, desc: true }];
  return countAndPage(base, query, async (q) => {
    let ordered = q;
    for (const sort of sorts) {
      const column = sortColumns[sort.field];
      if (!column) throw new BerthError('INVALID_INPUT', `cannot sort artifacts by ${sort.field}`);
      ordered = ordered.orderBy(column, sort.desc ? 'desc' : 'asc');
    }
    const rows = await ordered.orderBy('m.id', sorts[sorts.length - 1]?.desc ? 'desc' : 'asc').execute();
    return rows.map((r) => r.id);
  });
}
