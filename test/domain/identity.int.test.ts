import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotMayHold } from '../../src/auth/index.js';
import type { DatabaseHandle } from '../../src/db/index.js';
import type { CacheSignals } from '../../src/domain/cache-signals.js';
import { MemberService } from '../../src/domain/member/index.js';
import { ProjectRole, ProjectService } from '../../src/domain/project/index.js';
import { RobotService } from '../../src/domain/robot/index.js';
import { UserService } from '../../src/domain/user/index.js';
import { createTestDatabase, type TestDatabase, testSignals } from '../support/services.js';

const password = 'Passw0rd!';

/** The rules of users, members and robots, asked of the services themselves (no HTTP in between). */
describe.each(['sqlite', 'postgres'] as const)('identity services (%s)', (databaseKind) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let signals: CacheSignals;
  let users: UserService;
  let members: MemberService;
  let robots: RobotService;
  let projects: ProjectService;
  let raised = 0;
  let adminId = 0;
  let aliceId = 0;
  let bobId = 0;
  let projectId = 0;
  const versionOf = async (id: number) => (await users.get(id)).credentialVersion;

  beforeAll(async () => {
    database = await createTestDatabase(databaseKind);
    handle = await database.open();
    signals = testSignals(handle);
    signals.on('credentials', () => {
      raised++;
    });
    const ctx = { db: handle.db, now: Date.now, signals };
    users = new UserService(ctx);
    members = new MemberService(ctx);
    projects = new ProjectService(ctx);
    robots = new RobotService(ctx, { findProject: (name) => projects.find(name), accepts: robotMayHold });
    adminId = (await users.bootstrapAdmin('Admin12345'))?.user.id as number;
    aliceId = (await users.create({ username: 'alice', password, email: 'alice@example.com' })).id;
    bobId = (await users.create({ username: 'bob', password })).id;
    projectId = (await projects.create('idp', aliceId, { public: 'false' })).id;
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('returns users as models: booleans, dates, no password hash', async () => {
    const admin = await users.get(adminId);
    expect(admin).toMatchObject({ username: 'admin', sysadmin: true, email: null });
    expect(admin.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(admin)).not.toContain('password_hash');
    expect((await users.authenticate('alice', password))?.id).toBe(aliceId);
    expect(await users.authenticate('alice', 'wrong')).toBeUndefined();
    expect(await users.authenticate('nobody', password)).toBeUndefined();
    expect(await users.bootstrapAdmin('again')).toBeUndefined();
  });

  it('keeps users from locking themselves out', async () => {
    const self = { userId: adminId, sysadmin: true };
    await expect(users.delete(self, adminId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(users.setSysadmin(self, adminId, false)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The first administrator is never deleted, whoever asks.
    await expect(users.delete({ sysadmin: true }, adminId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A user who owns a project is kept until the project goes.
    await expect(users.delete(self, aliceId)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(users.delete(self, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('asks a user changing their own password for the old one, and ends their tokens', async () => {
    const alice = { userId: aliceId, sysadmin: false };
    await expect(users.changePassword(alice, aliceId, 'N3wPassword')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(users.changePassword(alice, aliceId, 'N3wPassword', 'wrong')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(users.changePassword(alice, aliceId, password, password)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(users.changePassword(alice, aliceId, 'weak', password)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const before = await versionOf(aliceId);
    const signalled = raised;
    await users.changePassword(alice, aliceId, 'N3wPassword', password);
    expect(await versionOf(aliceId)).toBe(before + 1);
    expect(raised).toBeGreaterThan(signalled);
    // An administrator sets anyone's password without the old one (the same again, too).
    await users.changePassword({ userId: adminId, sysadmin: true }, aliceId, password);
    await users.changePassword({ userId: adminId, sysadmin: true }, aliceId, password);
    await users.changePassword({ userId: adminId, sysadmin: true }, adminId, 'Admin54321');
    expect((await users.authenticate('alice', password))?.id).toBe(aliceId);
  });

  it('ends tokens when an administrator flag changes', async () => {
    const before = await versionOf(bobId);
    await users.setSysadmin({ userId: adminId, sysadmin: true }, bobId, true);
    expect(await users.get(bobId)).toMatchObject({ sysadmin: true, credentialVersion: before + 1 });
    await users.setSysadmin({ userId: adminId, sysadmin: true }, bobId, false);
  });

  it('adds users by id or by name, refuses groups, and ends tokens on a change of role', async () => {
    await expect(members.add(projectId, { role: ProjectRole.guest })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(
      members.add(projectId, { role: ProjectRole.guest, group: { groupName: 'devs' } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('LDAP') });
    await expect(members.add(projectId, { role: 9, user: { id: bobId } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(members.add(projectId, { role: 3, user: { id: 999_999 } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(members.add(projectId, { role: 3, user: { username: 'nobody' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const bob = await members.add(projectId, { role: ProjectRole.guest, user: { username: 'bob' } });
    expect(bob).toMatchObject({ entityName: 'bob', entityType: 'u', entityId: bobId, role: 3 });
    await expect(members.add(projectId, { role: 2, user: { id: bobId } })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await members.rolesOf(projectId, bobId)).toEqual([ProjectRole.guest]);
    expect(await members.isProjectAdminAnywhere(aliceId)).toBe(true);
    expect(await members.isProjectAdminAnywhere(bobId)).toBe(false);
    const before = await versionOf(bobId);
    expect((await members.setRole(projectId, bob.id, ProjectRole.developer)).role).toBe(2);
    expect(await versionOf(bobId)).toBe(before + 1);
    const page = await members.list(projectId, { page: 1, pageSize: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((m) => m.entityName)).toEqual(['alice']);
    expect((await members.list(projectId, { page: 1, pageSize: 10, entityName: 'bob' })).items).toHaveLength(
      1,
    );
    expect((await members.list(projectId, { page: 1, pageSize: 10, entityName: 'bo' })).items).toHaveLength(
      0,
    );
    await members.remove(projectId, bob.id);
    expect(await versionOf(bobId)).toBe(before + 2);
    expect(await members.rolesOf(projectId, bobId)).toEqual([]);
    await expect(members.get(projectId, bob.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps robots to Harbor’s rules, and never lets a robot manage robots', async () => {
    const pull = [{ resource: 'repository', action: 'pull' }];
    const user = { kind: 'user', id: aliceId } as const;
    const { robot, secret } = await robots.create(user, {
      name: 'ci',
      level: 'project',
      duration: -1,
      permissions: [{ kind: 'project', namespace: 'idp', access: pull }],
    });
    expect(robot).toMatchObject({
      name: 'robot$idp+ci',
      level: 'project',
      projectId,
      disabled: false,
      expiresAt: undefined,
      creatorId: aliceId,
      permissions: [{ kind: 'project', namespace: 'idp', projectId, access: pull }],
    });
    expect((await robots.authenticate('robot$idp+ci', secret))?.id).toBe(robot.id);
    const asRobot = { kind: 'robot', id: robot.id } as const;
    const newRobot = {
      name: 'child',
      level: 'project' as const,
      duration: -1,
      permissions: [{ kind: 'project', namespace: 'idp', access: pull }],
    };
    for (const attempt of [
      () => robots.create(asRobot, newRobot),
      () => robots.update(asRobot, robot, { description: 'x' }),
      () => robots.refreshSecret(asRobot, robot),
      () => robots.delete(asRobot, robot),
    ])
      await expect(attempt()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await projects.create('elsewhere', aliceId, { public: 'false' });
    await expect(
      robots.update(user, robot, {
        permissions: [{ kind: 'project', namespace: 'elsewhere', access: pull }],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'a project robot stays in its project' });
    await expect(robots.update(user, robot, { level: 'system' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(() =>
      robots.validate('project', [
        { kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }] },
      ]),
    ).toThrow('project permissions only');
    expect(() =>
      robots.validate('system', [
        { kind: 'project', namespace: '*', access: [{ resource: 'tag', action: 'update' }] },
      ]),
    ).toThrow('bad request permission: tag:update');
    const before = robot.credentialVersion;
    const disabled = await robots.update(user, robot, { disable: true, duration: 3 });
    expect(disabled).toMatchObject({ disabled: true, duration: 3, credentialVersion: before + 1 });
    expect(disabled.expiresAt?.getTime()).toBe(
      Math.floor(robot.createdAt.getTime() / 1000) * 1000 + 3 * 86_400_000,
    );
    expect(await robots.authenticate('robot$idp+ci', secret)).toBeUndefined();
    expect(await robots.refreshSecret(user, disabled, 'Ch0senOne')).toBeUndefined();
    await robots.delete({ kind: 'system' }, disabled);
    expect(await robots.find(robot.id)).toBeUndefined();
  });
});
