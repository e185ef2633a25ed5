import { ProjectRole } from '../domain/project/index.js';

/** Harbor's resources and actions within a project. */
export type Resource =
  | 'project'
  | 'metadata'
  | 'member'
  | 'log'
  | 'repository'
  | 'artifact'
  | 'tag'
  | 'scan'
  | 'scanner'
  | 'robot'
  | 'label'
  | 'artifact-label';

export type Action = 'read' | 'list' | 'create' | 'update' | 'delete' | 'pull' | 'push';

type Policy = Readonly<Partial<Record<Resource, readonly Action[]>>>;

const all: readonly Action[] = ['read', 'list', 'create', 'update', 'delete', 'pull', 'push'];

/** What each project role may do, after Harbor's RBAC tables. */
export const rolePolicies: Readonly<Record<number, Policy>> = {
  [ProjectRole.projectAdmin]: {
    project: ['read', 'update', 'delete'],
    metadata: ['read', 'list', 'create', 'update', 'delete'],
    member: all,
    log: ['list'],
    repository: all,
    artifact: all,
    tag: all,
    scan: ['read', 'create'],
    scanner: ['read', 'create'],
    robot: all,
    label: ['read', 'list', 'create', 'update', 'delete'],
    'artifact-label': ['create', 'delete'],
  },
  [ProjectRole.maintainer]: {
    project: ['read'],
    metadata: ['read', 'list'],
    member: ['read', 'list'],
    log: ['list'],
    repository: all,
    artifact: all,
    tag: all,
    scan: ['read', 'create'],
    scanner: ['read'],
    robot: ['read', 'list'],
    label: ['read', 'list', 'create', 'update', 'delete'],
    'artifact-label': ['create', 'delete'],
  },
  [ProjectRole.developer]: {
    project: ['read'],
    metadata: ['read', 'list'],
    member: ['read', 'list'],
    log: ['list'],
    repository: ['read', 'list', 'pull', 'push', 'update'],
    artifact: ['read', 'list', 'create'],
    tag: ['list', 'create'],
    scan: ['read', 'create'],
    scanner: ['read'],
    robot: ['read', 'list'],
    label: ['read', 'list'],
    'artifact-label': ['create', 'delete'],
  },
  [ProjectRole.guest]: {
    project: ['read'],
    metadata: ['read', 'list'],
    member: ['read', 'list'],
    log: ['list'],
    repository: ['read', 'list', 'pull'],
    artifact: ['read', 'list'],
    tag: ['list'],
    scan: ['read'],
    scanner: ['read'],
    robot: ['read', 'list'],
    label: ['read', 'list'],
  },
  [ProjectRole.limitedGuest]: {
    project: ['read'],
    metadata: ['read', 'list'],
    repository: ['read', 'list', 'pull'],
    artifact: ['read', 'list'],
    tag: ['list'],
    scan: ['read'],
  },
};

/** What anyone (anonymous included) may do in a public project. */
export const publicPolicy: Policy = {
  project: ['read'],
  metadata: ['read', 'list'],
  repository: ['read', 'list', 'pull'],
  artifact: ['read', 'list'],
  tag: ['list'],
  scan: ['read'],
  label: ['read', 'list'],
};

export function allows(policy: Policy | undefined, resource: Resource, action: Action): boolean {
  return policy?.[resource]?.includes(action) ?? false;
}
