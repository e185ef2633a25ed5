import { BerthError } from '../../lib/errors.js';

/** Harbor's metadata keys; every value is a string ("true"/"false" for flags). */
export const metadataKeys = [
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'severity',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
  /** Berth's own: with prevent_vul, also refuse pulls of images not scanned (successfully) yet. */
  'prevent_unscanned',
  /** The project's tag retention policy (set when one is made). */
  'retention_id',
] as const;

export type ProjectMetadata = Partial<Record<(typeof metadataKeys)[number], string>>;

/** A project: the first path component of its repositories' names, with Harbor's metadata. */
export interface Project {
  readonly id: number;
  readonly name: string;
  readonly ownerId: number;
  /** Anonymous pull allowed (mirrored in metadata.public). */
  readonly public: boolean;
  readonly metadata: ProjectMetadata;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A project with what its list and detail show beside it. */
export interface ProjectDetail extends Project {
  readonly ownerName: string;
  readonly repoCount: number;
}

/**
 * Who is asking, for lists that show only what the caller can see: a user sees public projects and
 * those they are a member of; a robot public ones and those its permissions name (`*` all); anyone
 * else public ones.
 * Undefined visibility (administrators) sees everything.
 */
export interface Visibility {
  readonly userId?: number | undefined;
  /** `*`: every project (a robot covering all). */
  readonly projectNames?: '*' | undefined;
  /** Projects a robot's permissions name, by id. */
  readonly projectIds?: readonly number[] | undefined;
}

export type ProjectField = 'id' | 'name' | 'ownerId' | 'createdAt' | 'updatedAt' | 'public' | 'owner';

const booleanKeys = new Set([
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
  'prevent_unscanned',
]);
const severities = new Set(['none', 'low', 'medium', 'high', 'critical']);

/** Harbor's metadata as given, checked: known keys, string values, flags true or false, a known severity. */
export function validateMetadata(input: Record<string, unknown>): ProjectMetadata {
  const out: ProjectMetadata = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(metadataKeys as readonly string[]).includes(key))
      throw new BerthError('INVALID_INPUT', `unknown project metadata key ${key.slice(0, 60)}`);
    if (typeof value !== 'string')
      throw new BerthError('INVALID_INPUT', `project metadata ${key} must be a string`);
    const v = value.toLowerCase();
    if (booleanKeys.has(key) && v !== 'true' && v !== 'false')
      throw new BerthError('INVALID_INPUT', `project metadata ${key} must be "true" or "false"`);
    if (key === 'retention_id' && !/^\d{1,10}$/.test(v))
      throw new BerthError('INVALID_INPUT', 'project metadata retention_id must be a policy id');
    if (key === 'severity' && !severities.has(v))
      throw new BerthError('INVALID_INPUT', 'severity must be one of none, low, medium, high, critical');
    out[key as keyof ProjectMetadata] = v;
  }
  return out;
}

// A project name is one repository path component, as Harbor restricts it.
const projectNamePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Harbor's rule for project names: lower-case, 1 to 255 characters, separators between, never all digits. */
export function assertProjectName(name: string): void {
  if (name.length > 255 || !projectNamePattern.test(name)) {
    throw new BerthError(
      'INVALID_INPUT',
      `invalid project name "${name.slice(0, 80)}": 1 to 255 lower-case letters, digits and . _ - between them`,
    );
  }
  // A name of digits alone would read as a project id wherever Harbor takes a name or an id.
  if (/^\d+$/.test(name))
    throw new BerthError('INVALID_INPUT', `invalid project name "${name}": it must not be all digits`);
}

/**
 * The name of the project that owns a repository: its name's first path component. This is the one
 * place that reads a repository name this way; a repository row records the result as `project_id`.
 */
export function projectNameOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}
