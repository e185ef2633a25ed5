import type { Kysely } from 'kysely';
import type { Database, ProjectMember } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { containsText } from '../query.js';
import { projectRoleIds } from './roles.js';

export interface MemberView extends ProjectMember {
  readonly entityName: string;
}

function assertRole(role: number): void {
  if (!projectRoleIds.includes(role)) {
    throw new BerthError(
      'INVALID_INPUT',
      `role_id must be one of ${projectRoleIds.join(', ')} (1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest)`,
    );
  }
}

const withNames = (db: Kysely<Database>) =>
  db
    .selectFrom('project_members as pm')
    .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'pm.entity_id').on('pm.entity_type', '=', 'u'))
    .selectAll('pm')
    .select('u.username as entityName');

/** Project membership: users (and, with directory sign-in, groups) holding one role each. */
export class MemberService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {}

  async list(projectId: number, entityName?: string): Promise<MemberView[]> {
    let query = withNames(this.ctx.db).where('pm.project_id', '=', projectId).orderBy('pm.id');
    if (entityName) query = query.where(containsText('u.username', entityName));
    const rows = await query.execute();
    return rows.map((r) => ({ ...r, entityName: r.entityName ?? '' }));
  }

  async get(projectId: number, memberId: number): Promise<MemberView> {
    const row = await withNames(this.ctx.db)
      .where('pm.project_id', '=', projectId)
      .where('pm.id', '=', memberId)
      .executeTakeFirst();
    if (!row) throw new BerthError('NOT_FOUND', `member ${memberId} not found in this project`);
    return { ...row, entityName: row.entityName ?? '' };
  }

  async addUser(projectId: number, userId: number, role: number): Promise<ProjectMember> {
    assertRole(role);
    const now = this.ctx.now();
    const row = await this.ctx.db
      .insertInto('project_members')
      .values({
        project_id: projectId,
        entity_type: 'u',
        entity_id: userId,
        role,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['project_id', 'entity_type', 'entity_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new BerthError('CONFLICT', 'the user is already a member of this project');
    return row;
  }

  /** Changes a member's role; the member's tokens end (they may grant what the role no longer does). */
  async setRole(projectId: number, memberId: number, role: number): Promise<void> {
    assertRole(role);
    const member = await this.get(projectId, memberId);
    await this.ctx.db
      .updateTable('project_members')
      .set({ role, updated_at: this.ctx.now() })
      .where('id', '=', memberId)
      .execute();
    await this.revokeTokens(member);
  }

  /** Removes a member; the member's tokens end. */
  async remove(projectId: number, memberId: number): Promise<void> {
    const member = await this.get(projectId, memberId);
    await this.ctx.db.deleteFrom('project_members').where('id', '=', memberId).execute();
    await this.revokeTokens(member);
  }

  private async revokeTokens(member: MemberView): Promise<void> {
    if (member.entity_type === 'u') {
      await this.ctx.db
        .updateTable('users')
        .set((eb) => ({ credential_version: eb('credential_version', '+', 1) }))
        .where('id', '=', member.entity_id)
        .execute();
    }
    await this.ctx.signals.raise('credentials');
  }
}
