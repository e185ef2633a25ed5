import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed, PageRequest } from '../pagination.js';
import { ProjectRole, projectRoleIds } from '../project/index.js';
import type { Member, NewMember } from './member.model.js';
import {
  changeMember,
  holdsRoleAnywhere,
  insertUserMember,
  listMembers,
  memberById,
  rolesOf,
  userOf,
} from './member.repo.js';

function assertRole(role: number): void {
  if (!projectRoleIds.includes(role)) {
    throw new BerthError(
      'INVALID_INPUT',
      `role_id must be one of ${projectRoleIds.join(', ')} (1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest)`,
    );
  }
}

/**
 * Project membership: users (and, with directory sign-in, groups) holding one role each. A change of
 * role or a removal ends the member's tokens (they may grant what the role no longer does), on every
 * replica.
 */
export class MemberService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {}

  /** A page of the project's members by name; `entityName` keeps the member of exactly that name. */
  async list(
    projectId: number,
    query: PageRequest & { readonly entityName?: string | undefined },
  ): Promise<Listed<Member>> {
    return listMembers(this.ctx.db, projectId, query);
  }

  async get(projectId: number, memberId: number): Promise<Member> {
    const member = await memberById(this.ctx.db, projectId, memberId);
    if (!member) throw new BerthError('NOT_FOUND', `member ${memberId} not found in this project`);
    return member;
  }

  /**
   * Adds a user, named by id or by name, with a role. Groups come with directory sign-in (LDAP,
   * OIDC), which Berth does not have yet: they are refused, not ignored. A user who is a member
   * already is a CONFLICT (change their role instead).
   */
  async add(projectId: number, request: NewMember): Promise<Member> {
    const group = request.group;
    const wantsGroup =
      group !== undefined && ((group.id ?? 0) > 0 || Boolean(group.groupName) || Boolean(group.ldapGroupDn));
    const byId = (request.user?.id ?? 0) > 0 ? request.user?.id : undefined;
    const byName = request.user?.username || undefined;
    if (byId === undefined && byName === undefined) {
      if (wantsGroup)
        throw new BerthError(
          'INVALID_INPUT',
          'group members arrive with LDAP and OIDC sign-in, which this registry does not have; add a user',
        );
      throw new BerthError('INVALID_INPUT', 'at least one of member_user or member_group must be provided');
    }
    assertRole(request.role);
    const user =
      byId !== undefined
        ? await userOf(this.ctx.db, { id: byId })
        : await userOf(this.ctx.db, { username: byName as string });
    if (!user)
      throw byId !== undefined
        ? new BerthError('INVALID_INPUT', `user ${byId} not found`)
        : new BerthError('NOT_FOUND', `user ${String(byName).slice(0, 255)} not found`);
    const id = await insertUserMember(this.ctx.db, {
      projectId,
      userId: user.id,
      role: request.role,
      now: this.ctx.now(),
    });
    if (id === undefined)
      throw new BerthError('CONFLICT', `${user.username} is already a member of this project`);
    return this.get(projectId, id);
  }

  /** Changes a member's role; the member's tokens end. */
  async setRole(projectId: number, memberId: number, role: number): Promise<Member> {
    assertRole(role);
    const member = await this.get(projectId, memberId);
    await changeMember(this.ctx.db, member, role, this.ctx.now());
    await this.ctx.signals.raise('credentials');
    return { ...member, role };
  }

  /** Removes a member; the member's tokens end. */
  async remove(projectId: number, memberId: number): Promise<Member> {
    const member = await this.get(projectId, memberId);
    await changeMember(this.ctx.db, member, undefined, this.ctx.now());
    await this.ctx.signals.raise('credentials');
    return member;
  }

  /** The roles a user holds in a project (empty when not a member). */
  rolesOf(projectId: number, userId: number): Promise<number[]> {
    return rolesOf(this.ctx.db, projectId, userId);
  }

  /** Whether the user administers at least one project (Harbor lets them read the permission list). */
  isProjectAdminAnywhere(userId: number): Promise<boolean> {
    return holdsRoleAnywhere(this.ctx.db, userId, ProjectRole.projectAdmin);
  }
}
