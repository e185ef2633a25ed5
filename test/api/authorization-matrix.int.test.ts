import { beforeAll, describe, expect, it } from 'vitest';
import { builtInScannerId } from '../../src/db/index.js';
import { type ApiClient, adminApiClient } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { createProjects } from '../support/server.js';

/**
 * Every management-API route × every kind of caller, from one table: Harbor's role permissions as
 * this test states them (not read from the code under test), each route's need, and the answer that
 * follows (2xx when allowed; 404 when the caller may not see the project; 401 for anonymous callers
 * and 403 for the others when they see it but may not act).
 */

type Role = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';
type Permission = `${string}:${string}`;

const roleIds: Record<Role, number> = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
};

/** Harbor's project roles, as the expected behaviour. */
const rolePermissions: Record<Role, Permission[]> = {
  projectAdmin: [
    'project:update',
    'project:delete',
    'metadata:read',
    'metadata:update',
    'member:list',
    'member:read',
    'member:create',
    'member:update',
    'member:delete',
    'log:list',
    'repository:list',
    'repository:read',
    'repository:update',
    'repository:delete',
    'artifact:list',
    'artifact:read',
    'artifact:delete',
    'tag:list',
    'tag:create',
    'tag:delete',
    'scan:read',
    'scan:create',
    'scanner:read',
    'scanner:create',
    'robot:list',
    'robot:read',
    'robot:create',
    'robot:update',
    'robot:delete',
    'label:list',
    'label:read',
    'label:create',
    'label:update',
    'label:delete',
    'artifact-label:create',
    'artifact-label:delete',
    'artifact:create',
    'scan:stop',
  ],
  maintainer: [
    'metadata:read',
    'member:list',
    'member:read',
    'log:list',
    'repository:list',
    'repository:read',
    'repository:update',
    'repository:delete',
    'artifact:list',
    'artifact:read',
    'artifact:delete',
    'tag:list',
    'tag:create',
    'tag:delete',
    'scan:read',
    'scan:create',
    'scanner:read',
    'robot:list',
    'robot:read',
    'label:list',
    'label:read',
    'label:create',
    'label:update',
    'label:delete',
    'artifact-label:create',
    'artifact-label:delete',
    'artifact:create',
    'scan:stop',
  ],
  developer: [
    'metadata:read',
    'member:list',
    'member:read',
    'log:list',
    'repository:list',
    'repository:read',
    'repository:update',
    'artifact:list',
    'artifact:read',
    'tag:list',
    'tag:create',
    'scan:read',
    'scan:create',
    'scanner:read',
    'robot:list',
    'robot:read',
    'label:list',
    'label:read',
    'artifact-label:create',
    'artifact-label:delete',
    'artifact:create',
    'scan:stop',
  ],
  guest: [
    'metadata:read',
    'member:list',
    'member:read',
    'log:list',
    'repository:list',
    'repository:read',
    'artifact:list',
    'artifact:read',
    'tag:list',
    'scan:read',
    'scanner:read',
    'robot:list',
    'robot:read',
    'label:list',
    'label:read',
  ],
  limitedGuest: [
    'metadata:read',
    'repository:list',
    'repository:read',
    'artifact:list',
    'artifact:read',
    'tag:list',
    'scan:read',
  ],
};
/** What anyone may do in a public project. */
const publicPermissions: Permission[] = [
  'metadata:read',
  'repository:list',
  'repository:read',
  'artifact:list',
  'artifact:read',
  'tag:list',
  'scan:read',
  'label:list',
  'label:read',
];

type Caller =
  | { kind: 'sysadmin'; id: string }
  | { kind: 'role'; id: string; role: Role }
  | { kind: 'outsider'; id: string }
  | { kind: 'anonymous'; id: string }
  | { kind: 'robot'; id: string; permission: Permission };

/**
 * `see`: any caller who can see the project; a permission: a project permission; the rest:
 * system-wide (`local`: a user, not a robot, which gets 412 as from Harbor; `admin`: a system
 * administrator or a project administrator of any project).
 */
type Need = 'anyone' | 'authenticated' | 'user' | 'local' | 'admin' | 'sysadmin' | 'see' | Permission;

interface Route {
  readonly need: Need;
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: (project: string, id: string) => string;
  readonly body?: (project: string, id: string) => unknown;
  /** Prepares what the request acts on, as the administrator. */
  readonly setup?: (project: string, id: string, caller: Caller) => Promise<void>;
  readonly ok: number;
}

describe.each(['sqlite', 'postgres'] as const)('authorization of the management API (%s)', (databaseKind) => {
  const b = useBackend(
    databaseKind,
    'filesystem',
    { 'admission.registryHosts': ['registry.example.com'] },
    [],
  );
  let admin: ApiClient;
  const clients = new Map<string, ApiClient>();
  const password = 'Passw0rd!';

  const member = async (project: string, caller: Caller) => {
    if (caller.kind !== 'role') return;
    const res = await admin.call('POST', `/projects/${project}/members`, {
      role_id: roleIds[caller.role],
      member_user: { username: caller.id },
    });
    expect(res.status).toBe(201);
  };
  const push = async (repository: string) => {
    await b.client.pushImage(repository, 'v1', { layers: [`${repository} layer`] });
  };

  const projectIds = new Map<string, number>();
  /** Members and robots made for one attempt, by project and caller. */
  const made = new Map<string, number>();
  const addMember = async (p: string, id: string) => {
    made.set('users', (made.get('users') ?? 0) + 1);
    const username = `x${made.get('users')}-${p}-${id}`;
    expect((await admin.call('POST', '/users', { username, password })).status).toBe(201);
    const res = await admin.call('POST', `/projects/${p}/members`, { role_id: 3, member_user: { username } });
    made.set(`member ${p} ${id}`, Number(res.headers.get('location')?.split('/').pop()));
  };
  const addRobot = async (p: string, id: string) => {
    const res = await admin.call<{ id: number }>('POST', '/robots', {
      name: `pr-${id}-${Math.random().toString(36).slice(2, 8)}`,
      duration: -1,
      level: 'project',
      permissions: [{ kind: 'project', namespace: p, access: [{ resource: 'repository', action: 'pull' }] }],
    });
    expect(res.status).toBe(201);
    made.set(`robot ${p} ${id}`, res.body.id);
  };
  /** A label for one attempt: of project p, or global when p is ''. */
  const addLabel = async (p: string, id: string) => {
    made.set('labels', (made.get('labels') ?? 0) + 1);
    const name = `l${made.get('labels')}-${id}`;
    const res = await admin.call(
      'POST',
      '/labels',
      p ? { name, scope: 'p', project_id: projectIds.get(p) } : { name, scope: 'g' },
    );
    expect(res.status).toBe(201);
    made.set(`label ${p} ${id}`, Number(res.headers.get('location')?.split('/').pop()));
  };
  const labelPath = (p: string, id: string) => `/labels/${made.get(`label ${p} ${id}`) ?? '{label_id}'}`;
  const artifactLabels = (p: string) => `/projects/${p}/repositories/app/artifacts/v1/labels`;
  const memberPath = (p: string, id: string) =>
    `/projects/${p}/members/${made.get(`member ${p} ${id}`) ?? '{mid}'}`;
  const robotPath = (p: string, id: string) => `/robots/${made.get(`robot ${p} ${id}`) ?? '{robot_id}'}`;
  const projectRoutes: Route[] = [
    { need: 'see', method: 'GET', path: (p) => `/projects/${p}`, ok: 200 },
    { need: 'see', method: 'GET', path: (p) => `/projects/${p}/summary`, ok: 200 },
    {
      need: 'project:update',
      method: 'PUT',
      path: (p) => `/projects/${p}`,
      body: () => ({ metadata: { auto_scan: 'true' } }),
      ok: 200,
    },
    {
      need: 'project:delete',
      method: 'DELETE',
      path: (p, id) => `/projects/${p}-gone-${id}`,
      setup: async (p, id, caller) => {
        await createProjects(b.server.url, [`${p}-gone-${id}`], p === 'open');
        await member(`${p}-gone-${id}`, caller);
      },
      ok: 200,
    },
    { need: 'metadata:read', method: 'GET', path: (p) => `/projects/${p}/metadatas/`, ok: 200 },
    {
      need: 'metadata:update',
      method: 'PUT',
      path: (p) => `/projects/${p}/metadatas/auto_scan`,
      body: () => ({ auto_scan: 'false' }),
      ok: 200,
    },
    { need: 'member:list', method: 'GET', path: (p) => `/projects/${p}/members`, ok: 200 },
    {
      need: 'member:create',
      method: 'POST',
      path: (p) => `/projects/${p}/members`,
      body: (p, id) => ({ role_id: 3, member_user: { username: `m-${p}-${id}` } }),
      setup: async (p, id) => {
        expect((await admin.call('POST', '/users', { username: `m-${p}-${id}`, password })).status).toBe(201);
      },
      ok: 201,
    },
    { need: 'member:read', method: 'GET', path: memberPath, setup: addMember, ok: 200 },
    {
      need: 'member:update',
      method: 'PUT',
      path: memberPath,
      body: () => ({ role_id: 2 }),
      setup: addMember,
      ok: 200,
    },
    { need: 'member:delete', method: 'DELETE', path: memberPath, setup: addMember, ok: 200 },
    { need: 'metadata:read', method: 'GET', path: (p) => `/projects/${p}/metadatas/public`, ok: 200 },
    {
      need: 'metadata:update',
      method: 'POST',
      path: (p) => `/projects/${p}/metadatas/`,
      body: () => ({ severity: 'low' }),
      ok: 200,
    },
    {
      need: 'metadata:update',
      method: 'DELETE',
      path: (p) => `/projects/${p}/metadatas/severity`,
      setup: async (p) => {
        expect((await admin.call('POST', `/projects/${p}/metadatas/`, { severity: 'high' })).status).toBe(
          200,
        );
      },
      ok: 200,
    },
    { need: 'log:list', method: 'GET', path: (p) => `/projects/${p}/logs`, ok: 200 },
    { need: 'log:list', method: 'GET', path: (p) => `/projects/${p}/auditlog-exts`, ok: 200 },
    { need: 'project:delete', method: 'GET', path: (p) => `/projects/${p}/_deletable`, ok: 200 },
    { need: 'artifact:list', method: 'GET', path: (p) => `/projects/${p}/artifacts`, ok: 200 },
    {
      // The source is the public project: copying needs artifact:create here and reading there.
      need: 'artifact:create',
      method: 'POST',
      path: (p, id) => `/projects/${p}/repositories/cp-${id}/artifacts?from=open/app:v1`,
      ok: 201,
    },
    {
      // Nothing waits to be scanned: those allowed to stop scans hear so.
      need: 'scan:stop',
      method: 'POST',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/scan/stop`,
      body: () => ({ scan_type: 'vulnerability' }),
      ok: 404,
    },
    { need: 'repository:list', method: 'GET', path: (p) => `/projects/${p}/repositories`, ok: 200 },
    { need: 'repository:read', method: 'GET', path: (p) => `/projects/${p}/repositories/app`, ok: 200 },
    {
      need: 'repository:update',
      method: 'PUT',
      path: (p) => `/projects/${p}/repositories/app`,
      body: (_p, id) => ({ description: `by ${id}` }),
      ok: 200,
    },
    {
      need: 'repository:delete',
      method: 'DELETE',
      path: (p, id) => `/projects/${p}/repositories/rd-${id}`,
      setup: (p, id) => push(`${p}/rd-${id}`),
      ok: 200,
    },
    {
      need: 'artifact:list',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts`,
      ok: 200,
    },
    {
      need: 'artifact:read',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1`,
      ok: 200,
    },
    {
      need: 'artifact:read',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/accessories`,
      ok: 200,
    },
    {
      need: 'artifact:read',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/additions/build_history`,
      ok: 200,
    },
    {
      need: 'artifact:delete',
      method: 'DELETE',
      path: (p, id) => `/projects/${p}/repositories/ad-${id}/artifacts/v1`,
      setup: (p, id) => push(`${p}/ad-${id}`),
      ok: 200,
    },
    {
      need: 'tag:list',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/tags`,
      ok: 200,
    },
    {
      need: 'scan:create',
      method: 'POST',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/scan`,
      ok: 202,
    },
    {
      need: 'scan:read',
      method: 'GET',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/additions/vulnerabilities`,
      ok: 200,
    },
    { need: 'scanner:read', method: 'GET', path: (p) => `/projects/${p}/scanner`, ok: 200 },
    {
      need: 'scanner:create',
      method: 'PUT',
      path: (p) => `/projects/${p}/scanner`,
      body: () => ({ uuid: builtInScannerId }),
      ok: 200,
    },
    { need: 'scanner:create', method: 'GET', path: (p) => `/projects/${p}/scanner/candidates`, ok: 200 },
    {
      need: 'tag:create',
      method: 'POST',
      path: (p) => `/projects/${p}/repositories/app/artifacts/v1/tags`,
      body: (_p, id) => ({ name: `t-${id}` }),
      ok: 201,
    },
    {
      need: 'tag:delete',
      method: 'DELETE',
      path: (p, id) => `/projects/${p}/repositories/app/artifacts/v1/tags/d-${id}`,
      setup: async (p, id) => {
        const res = await admin.call('POST', `/projects/${p}/repositories/app/artifacts/v1/tags`, {
          name: `d-${id}`,
        });
        expect(res.status).toBe(201);
      },
      ok: 200,
    },
    {
      need: 'robot:list',
      method: 'GET',
      path: (p) => `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${projectIds.get(p)}`)}`,
      ok: 200,
    },
    { need: 'robot:read', method: 'GET', path: robotPath, setup: addRobot, ok: 200 },
    {
      need: 'robot:update',
      method: 'PUT',
      path: robotPath,
      body: () => ({ description: 'changed' }),
      setup: addRobot,
      ok: 200,
    },
    { need: 'robot:update', method: 'PATCH', path: robotPath, body: () => ({}), setup: addRobot, ok: 200 },
    { need: 'robot:delete', method: 'DELETE', path: robotPath, setup: addRobot, ok: 200 },
    {
      need: 'robot:create',
      method: 'POST',
      path: () => '/robots',
      body: (p, id) => ({
        name: `rb-${id}`,
        duration: -1,
        level: 'project',
        permissions: [
          { kind: 'project', namespace: p, access: [{ resource: 'repository', action: 'pull' }] },
        ],
      }),
      ok: 201,
    },
    {
      need: 'label:list',
      method: 'GET',
      path: (p) => `/labels?scope=p&project_id=${projectIds.get(p)}`,
      ok: 200,
    },
    {
      need: 'label:create',
      method: 'POST',
      path: () => '/labels',
      body: (p, id) => ({ name: `new-${id}`, scope: 'p', project_id: projectIds.get(p) }),
      ok: 201,
    },
    { need: 'label:read', method: 'GET', path: labelPath, setup: addLabel, ok: 200 },
    {
      need: 'label:update',
      method: 'PUT',
      path: labelPath,
      body: (_p, id) => ({ name: `renamed-${id}` }),
      setup: addLabel,
      ok: 200,
    },
    { need: 'label:delete', method: 'DELETE', path: labelPath, setup: addLabel, ok: 200 },
    {
      need: 'artifact-label:create',
      method: 'POST',
      path: artifactLabels,
      body: (p, id) => ({ id: made.get(`label ${p} ${id}`) }),
      setup: addLabel,
      ok: 200,
    },
    {
      need: 'artifact-label:delete',
      method: 'DELETE',
      path: (p, id) => `${artifactLabels(p)}/${made.get(`label ${p} ${id}`) ?? '{label_id}'}`,
      setup: async (p, id) => {
        await addLabel(p, id);
        const res = await admin.call('POST', artifactLabels(p), { id: made.get(`label ${p} ${id}`) });
        expect(res.status).toBe(200);
      },
      ok: 200,
    },
  ];

  const dailyScanAll = { schedule: { type: 'Daily', cron: '0 0 0 * * *' } };
  const systemRoutes: Route[] = [
    { need: 'anyone', method: 'GET', path: () => '/health', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/systeminfo', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/systeminfo/getcert', ok: 404 },
    { need: 'sysadmin', method: 'GET', path: () => '/systeminfo/volumes', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/projects', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/search?q=app', ok: 200 },
    { need: 'authenticated', method: 'GET', path: () => '/statistics', ok: 200 },
    {
      need: 'anyone',
      method: 'POST',
      path: () => '/admission',
      body: () => ({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'x', object: {} },
      }),
      ok: 200,
    },
    { need: 'authenticated', method: 'HEAD', path: () => '/projects?project_name=closed', ok: 200 },
    { need: 'local', method: 'GET', path: () => '/users/current', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/ping', ok: 200 },
    { need: 'admin', method: 'GET', path: () => '/permissions', ok: 200 },
    { need: 'authenticated', method: 'GET', path: () => '/users/search?username=a', ok: 200 },
    {
      need: 'authenticated',
      method: 'GET',
      path: () => '/users/current/permissions?scope=/system&relative=true',
      ok: 200,
    },
    {
      need: 'authenticated',
      method: 'GET',
      path: () => `/users/current/permissions?scope=/project/${projectIds.get('closed') ?? 0}`,
      ok: 200,
    },
    // Harbor refuses CLI secrets outside OIDC sign-in before it looks at the caller.
    {
      need: 'anyone',
      method: 'PUT',
      path: () => `/users/${targetId || '{user_id}'}/cli_secret`,
      body: () => ({ secret: 'N3wSecret' }),
      ok: 412,
    },
    {
      need: 'user',
      method: 'POST',
      path: () => '/projects',
      body: (_p, id) => ({ project_name: `own-${id}`, metadata: { public: 'false' } }),
      ok: 201,
    },
    { need: 'authenticated', method: 'GET', path: () => '/system/CVEAllowlist', ok: 200 },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: () => '/system/CVEAllowlist',
      body: () => ({ items: [{ cve_id: 'CVE-2024-0001' }] }),
      ok: 200,
    },
    { need: 'sysadmin', method: 'GET', path: () => '/users', ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => `/users/${targetId || '{user_id}'}`, ok: 200 },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: () => `/users/${targetId || '{user_id}'}`,
      body: (_p, id) => ({ realname: `named by ${id}` }),
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: () => `/users/${targetId || '{user_id}'}/password`,
      body: () => ({ new_password: 'An0therPassw0rd!' }),
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: () => `/users/${targetId || '{user_id}'}/sysadmin`,
      body: () => ({ sysadmin_flag: false }),
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'DELETE',
      path: (_p, id) => `/users/${made.get(`user ${id}`) ?? '{user_id}'}`,
      setup: async (_p, id) => {
        const res = await admin.call('POST', '/users', { username: `doomed-${id}`, password });
        made.set(`user ${id}`, Number(res.headers.get('location')?.split('/').pop()));
      },
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/users',
      body: (_p, id) => ({ username: `made-by-${id}`, password }),
      ok: 201,
    },
    {
      need: 'sysadmin',
      method: 'GET',
      path: () => '/system/scanAll/schedule',
      // With a schedule set: Harbor answers no body without one.
      setup: async () => {
        const set = await admin.call('PUT', '/system/scanAll/schedule', dailyScanAll);
        expect(set.status).toBe(200);
      },
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: () => '/system/scanAll/schedule',
      body: () => dailyScanAll,
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/system/scanAll/schedule',
      body: () => ({ schedule: { type: 'None' } }),
      ok: 201,
    },
    { need: 'sysadmin', method: 'POST', path: () => '/system/scanAll/now', ok: 202 },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/system/scanAll/stop',
      // Harbor answers 400 when no scan all ever ran.
      setup: async () => {
        if (made.has('scan all')) return;
        expect((await admin.call('POST', '/system/scanAll/now')).status).toBe(202);
        made.set('scan all', 1);
      },
      ok: 202,
    },
    { need: 'sysadmin', method: 'GET', path: () => '/scans/all/metrics', ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => '/scans/schedule/metrics', ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => '/scanners', ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => `/scanners/${builtInScannerId}`, ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => `/scanners/${builtInScannerId}/metadata`, ok: 200 },
    {
      need: 'sysadmin',
      method: 'PATCH',
      path: () => `/scanners/${builtInScannerId}`,
      body: () => ({ is_default: true }),
      ok: 200,
    },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/scanners',
      body: (_p, id) => ({ name: `scanner-${id}`, url: `http://127.0.0.1:1/${id}` }),
      ok: 201,
    },
    // Everyone signed in reads the log: administrators all of it, users their projects' records.
    { need: 'authenticated', method: 'GET', path: () => '/audit-logs', ok: 200 },
    { need: 'authenticated', method: 'GET', path: () => '/auditlog-exts', ok: 200 },
    { need: 'authenticated', method: 'GET', path: () => '/auditlog-exts/events', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/repositories', ok: 200 },
    { need: 'sysadmin', method: 'GET', path: () => '/robots', ok: 200 },
    { need: 'anyone', method: 'GET', path: () => '/labels?scope=g', ok: 200 },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/labels',
      body: (_p, id) => ({ name: `global-${id}`, scope: 'g' }),
      ok: 201,
    },
    { need: 'sysadmin', method: 'GET', path: labelPath, setup: addLabel, ok: 200 },
    {
      need: 'sysadmin',
      method: 'PUT',
      path: labelPath,
      body: (_p, id) => ({ name: `global-renamed-${id}` }),
      setup: addLabel,
      ok: 200,
    },
    { need: 'sysadmin', method: 'DELETE', path: labelPath, setup: addLabel, ok: 200 },
    {
      need: 'sysadmin',
      method: 'POST',
      path: () => '/robots',
      body: (_p, id) => ({
        name: `sys-${id}`,
        duration: -1,
        level: 'system',
        permissions: [
          { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
        ],
      }),
      ok: 201,
    },
  ];

  // One robot caller per permission a route needs, of those Harbor's robot permission list holds
  // (it has no robot:update: robots are never given the right to change robots).
  const notForRobots: readonly string[] = ['robot:update'];
  const permissions = [
    ...new Set(
      projectRoutes
        .map((r) => r.need)
        .filter((n): n is Permission => n.includes(':') && !notForRobots.includes(n)),
    ),
  ];
  const callers: Caller[] = [
    { kind: 'sysadmin', id: 'admin' },
    ...(Object.keys(roleIds) as Role[]).map((role) => ({
      kind: 'role' as const,
      id: role.toLowerCase(),
      role,
    })),
    { kind: 'outsider', id: 'outsider' },
    { kind: 'anonymous', id: 'anonymous' },
    ...permissions.map((permission) => ({
      kind: 'robot' as const,
      id: `robot-${permission.replace(':', '-')}`,
      permission,
    })),
  ];

  /** The status the table says a caller gets for a route in a project (public or not). */
  function expected(caller: Caller, route: Route, isPublic: boolean): number {
    const anonymous = caller.kind === 'anonymous';
    const denied = anonymous ? 401 : 403;
    switch (route.need) {
      case 'anyone':
        return route.ok;
      case 'authenticated':
        return anonymous ? 401 : route.ok;
      case 'local':
        return anonymous ? 401 : caller.kind === 'robot' ? 412 : route.ok;
      case 'admin':
        if (anonymous) return 401;
        // The outsider administers another project.
        return caller.kind === 'sysadmin' ||
          caller.kind === 'outsider' ||
          (caller.kind === 'role' && caller.role === 'projectAdmin')
          ? route.ok
          : 403;
      case 'user':
        return anonymous ? 401 : caller.kind === 'robot' ? 403 : route.ok;
      case 'sysadmin':
        return caller.kind === 'sysadmin' ? route.ok : denied;
    }
    const sees = isPublic || caller.kind === 'sysadmin' || caller.kind === 'role' || caller.kind === 'robot';
    if (route.need === 'robot:create' && anonymous) return 401;
    // Robot accounts are managed by people: a robot may look at robots, whatever else it holds.
    const managesRobots = ['robot:create', 'robot:update', 'robot:delete'].includes(route.need);
    if (managesRobots && sees && caller.kind === 'robot') return 403;
    if (!sees) return 404;
    if (route.need === 'see') return route.ok;
    const granted =
      caller.kind === 'sysadmin' ||
      (caller.kind === 'role' && rolePermissions[caller.role].includes(route.need)) ||
      (caller.kind === 'robot' && caller.permission === route.need) ||
      (isPublic && publicPermissions.includes(route.need));
    return granted ? route.ok : denied;
  }

  let targetId = 0;

  beforeAll(async () => {
    admin = await adminApiClient(b.server.url);
    const target = await admin.call('POST', '/users', { username: 'target', password });
    targetId = Number(target.headers.get('location')?.split('/').pop());
    await createProjects(b.server.url, ['closed', 'elsewhere']);
    await createProjects(b.server.url, ['open'], true);
    for (const project of ['closed', 'open']) {
      const res = await admin.call<{ project_id: number }>('GET', `/projects/${project}`);
      projectIds.set(project, res.body.project_id);
      await push(`${project}/app`);
    }
    for (const caller of callers) {
      if (caller.kind === 'sysadmin') {
        clients.set(caller.id, admin);
      } else if (caller.kind === 'anonymous') {
        clients.set(caller.id, admin.anonymous());
      } else if (caller.kind === 'robot') {
        const [resource, action] = caller.permission.split(':');
        const res = await admin.call<{ name: string; secret: string }>('POST', '/robots', {
          name: caller.id,
          duration: -1,
          level: 'system',
          permissions: [{ kind: 'project', namespace: '*', access: [{ resource, action }] }],
        });
        expect(res.status).toBe(201);
        clients.set(caller.id, admin.as(res.body.name, res.body.secret));
      } else {
        expect((await admin.call('POST', '/users', { username: caller.id, password })).status).toBe(201);
        clients.set(caller.id, admin.as(caller.id, password));
        if (caller.kind === 'outsider')
          await member('elsewhere', { kind: 'role', id: caller.id, role: 'projectAdmin' });
        for (const project of ['closed', 'open']) await member(project, caller);
      }
    }
  });

  const routeName = (route: Route) =>
    `${route.method} ${route.path('{p}', '{id}').replace(/\?.*/, '')} (${route.need})`;

  it.each(projectRoutes.map((route) => [routeName(route), route] as const))('%s', async (_name, route) => {
    const outcomes: string[] = [];
    const wanted: string[] = [];
    for (const project of ['closed', 'open']) {
      for (const caller of callers) {
        const id = caller.id;
        await route.setup?.(project, id, caller);
        const client = clients.get(id) as ApiClient;
        const res = await client.call(route.method, route.path(project, id), route.body?.(project, id));
        outcomes.push(`${project} ${id}: ${res.status}`);
        wanted.push(`${project} ${id}: ${expected(caller, route, project === 'open')}`);
      }
    }
    expect(outcomes).toEqual(wanted);
  });

  it.each(systemRoutes.map((route) => [routeName(route), route] as const))('%s', async (_name, route) => {
    const outcomes: string[] = [];
    const wanted: string[] = [];
    for (const caller of callers) {
      await route.setup?.('', caller.id, caller);
      const client = clients.get(caller.id) as ApiClient;
      const res = await client.call(route.method, route.path('', caller.id), route.body?.('', caller.id));
      outcomes.push(`${caller.id}: ${res.status}`);
      wanted.push(`${caller.id}: ${expected(caller, route, false)}`);
    }
    expect(outcomes).toEqual(wanted);
  });
});
