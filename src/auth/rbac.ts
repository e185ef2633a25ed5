import { ProjectRole } from '../domain/project/index.js';

/** Harbor's resources within a project (src/common/rbac/const.go); `project` is the project itself. */
export const projectResources = [
  'log',
  'project',
  'metadata',
  'repository',
  'artifact',
  'scan',
  'sbom',
  'tag',
  'accessory',
  'artifact-addition',
  'artifact-label',
  'scanner',
  'preheat-policy',
  'immutable-tag',
  'notification-policy',
  'tag-retention',
  'label',
  'quota',
  'robot',
  'export-cve',
  'member',
] as const;

export type Resource = (typeof projectResources)[number];

/** Harbor's resources of the system namespace. */
export const systemResources = [
  'audit-log',
  'preheat-instance',
  'project',
  'replication-policy',
  'replication',
  'replication-adapter',
  'registry',
  'scan-all',
  'system-volumes',
  'garbage-collection',
  'purge-audit',
  'jobservice-monitor',
  'scanner',
  'label',
  'security-hub',
  'catalog',
  'quota',
  'robot',
  'user',
  'ldap-user',
  'user-group',
  'distribution',
  'configuration',
] as const;

export type SystemResource = (typeof systemResources)[number];

/** Harbor's actions (`operate`, `scanner-pull` and `*` exist in Harbor but no permission list holds them). */
export type Action = 'read' | 'list' | 'create' | 'update' | 'delete' | 'pull' | 'push' | 'stop';

/** One permission as Harbor lists it. */
export interface Permission<R extends string = string> {
  readonly resource: R;
  readonly action: Action;
}

const expand = <R extends string>(table: readonly (readonly [R, readonly Action[]])[]): Permission<R>[] =>
  table.flatMap(([resource, actions]) => actions.map((action) => ({ resource, action })));

/**
 * What a robot may be given, and what GET /permissions lists: Harbor's `PoliciesMap` for each scope
 * followed by the extras of its `NolimitProvider` (robot, user, ldap-user, quota, user-group in the
 * system; robot, export-cve, member in a project), in Harbor's order. Robots may hold every one of
 * them; Berth honours those whose feature it has (see README), the others are kept for when it does.
 */
export const robotPermissions: {
  readonly system: readonly Permission<SystemResource>[];
  readonly project: readonly Permission<Resource>[];
} = {
  system: expand<SystemResource>([
    ['audit-log', ['list']],
    ['preheat-instance', ['read', 'create', 'delete', 'list', 'update']],
    ['project', ['list', 'create']],
    ['replication-policy', ['read', 'create', 'delete', 'list', 'update']],
    ['replication', ['read', 'create', 'list']],
    ['replication-adapter', ['list']],
    ['registry', ['read', 'create', 'delete', 'list', 'update']],
    ['scan-all', ['read', 'update', 'stop', 'create']],
    ['system-volumes', ['read']],
    ['garbage-collection', ['read', 'create', 'list', 'update', 'stop']],
    ['purge-audit', ['read', 'create', 'list', 'update', 'stop']],
    ['jobservice-monitor', ['list', 'stop']],
    ['scanner', ['read', 'create', 'delete', 'list', 'update']],
    ['label', ['read', 'create', 'delete', 'update']],
    ['security-hub', ['read', 'list']],
    ['catalog', ['read']],
    ['quota', ['read', 'list']],
    ['robot', ['create', 'read', 'list', 'delete']],
    ['user', ['create', 'read', 'update', 'list', 'delete']],
    ['ldap-user', ['create', 'list']],
    ['quota', ['update']],
    ['user-group', ['create', 'read', 'update', 'list', 'delete']],
  ]),
  project: expand<Resource>([
    ['log', ['list']],
    ['project', ['read', 'delete', 'update']],
    ['metadata', ['read', 'create', 'delete', 'list', 'update']],
    ['repository', ['read', 'update', 'delete', 'list', 'pull', 'push']],
    ['artifact', ['read', 'create', 'list', 'delete']],
    ['scan', ['create', 'read', 'stop']],
    ['sbom', ['create', 'stop', 'read']],
    ['tag', ['create', 'list', 'delete']],
    ['accessory', ['list']],
    ['artifact-addition', ['read']],
    ['artifact-label', ['create', 'delete']],
    ['scanner', ['create', 'read']],
    ['preheat-policy', ['read', 'create', 'delete', 'list', 'update']],
    ['immutable-tag', ['create', 'delete', 'list', 'update']],
    ['notification-policy', ['read', 'create', 'delete', 'list', 'update']],
    ['tag-retention', ['read', 'create', 'delete', 'list', 'update']],
    ['label', ['read', 'create', 'delete', 'list', 'update']],
    ['quota', ['read']],
    ['robot', ['create', 'read', 'list', 'delete']],
    ['export-cve', ['create', 'read']],
    ['member', ['create', 'read', 'update', 'list', 'delete']],
  ]),
};

const robotAccepted = {
  system: new Set(robotPermissions.system.map((p) => `${p.resource}:${p.action}`)),
  project: new Set(robotPermissions.project.map((p) => `${p.resource}:${p.action}`)),
};

/** Whether Harbor's robot permission list of the kind holds the resource and action. */
export function robotMayHold(kind: 'system' | 'project', resource: string, action: string): boolean {
  return robotAccepted[kind].has(`${resource}:${action}`);
}

/**
 * The system permissions GET /users/current/permissions?scope=/system asks about (Harbor's
 * src/common/rbac/system/policies.go), each answered by the caller's can().
 */
export const systemPolicies: readonly Permission<SystemResource>[] = expand<SystemResource>([
  ['catalog', ['read']],
  ['audit-log', ['list']],
  ['project', ['create', 'read', 'update', 'delete', 'list']],
  ['user', ['create', 'read', 'update', 'delete', 'list']],
  ['user-group', ['create', 'read', 'update', 'delete', 'list']],
  ['registry', ['create', 'read', 'update', 'delete', 'list']],
  ['replication', ['create', 'read', 'update', 'list', 'delete']],
  ['distribution', ['create', 'read', 'update', 'delete', 'list']],
  ['garbage-collection', ['create', 'read', 'update', 'delete', 'list']],
  ['scan-all', ['create', 'read', 'update', 'delete', 'list', 'stop']],
  ['system-volumes', ['read']],
  ['ldap-user', ['create', 'list']],
  ['configuration', ['read', 'update']],
  ['jobservice-monitor', ['read', 'list', 'stop']],
  ['security-hub', ['read', 'list']],
]);

type Policy = Readonly<Partial<Record<Resource, readonly Action[]>>>;

const all: readonly Action[] = ['read', 'list', 'create', 'update', 'delete', 'pull', 'push'];

/** What each project role may do, after Harbor's RBAC tables. */
export const rolePolicies: Readonly<Record<number, Policy>> = {
  [ProjectRole.projectAdmin]: {
    project: ['read', 'update', 'delete'],
    quota: ['read'],
    metadata: ['read', 'list', 'create', 'update', 'delete'],
    member: all,
    log: ['list'],
    repository: all,
    artifact: all,
    tag: all,
    scan: ['read', 'create', 'stop'],
    scanner: ['read', 'create'],
    robot: all,
    label: ['read', 'list', 'create', 'update', 'delete'],
    'artifact-label': ['create', 'delete'],
    'immutable-tag': ['create', 'update', 'delete', 'list'],
    'tag-retention': ['create', 'read', 'update', 'delete', 'list'],
  },
  [ProjectRole.maintainer]: {
    project: ['read'],
    quota: ['read'],
    metadata: ['read', 'list'],
    member: ['read', 'list'],
    log: ['list'],
    repository: all,
    artifact: all,
    tag: all,
    scan: ['read', 'create', 'stop'],
    scanner: ['read'],
    robot: ['read', 'list'],
    label: ['read', 'list', 'create', 'update', 'delete'],
    'artifact-label': ['create', 'delete'],
    'immutable-tag': ['create', 'update', 'delete', 'list'],
    'tag-retention': ['create', 'read', 'update', 'delete', 'list'],
  },
  [ProjectRole.developer]: {
    project: ['read'],
    quota: ['read'],
    metadata: ['read', 'list'],
    member: ['read', 'list'],
    log: ['list'],
    repository: ['read', 'list', 'pull', 'push', 'update'],
    artifact: ['read', 'list', 'create'],
    tag: ['list', 'create'],
    scan: ['read', 'create', 'stop'],
    scanner: ['read'],
    robot: ['read', 'list'],
    label: ['read', 'list'],
    'artifact-label': ['create', 'delete'],
  },
  [ProjectRole.guest]: {
    project: ['read'],
    quota: ['read'],
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
    quota: ['read'],
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

/**
 * The project permissions GET /users/current/permissions?scope=/project/<id> asks about: every
 * role's (Harbor takes the union of its role tables) and every one a robot may hold there, each once,
 * in Harbor's order; each is answered by the caller's can().
 */
export function projectPolicies(): Permission<Resource>[] {
  const seen = new Set<string>();
  const out: Permission<Resource>[] = [];
  const add = (resource: Resource, action: Action) => {
    const key = `${resource}:${action}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ resource, action });
  };
  for (const p of robotPermissions.project) add(p.resource, p.action);
  for (const policy of Object.values(rolePolicies))
    for (const [resource, actions] of Object.entries(policy) as [Resource, readonly Action[]][])
      for (const action of actions) add(resource, action);
  return out;
}
