/** What a member is: a user, or (with directory sign-in, later) a group of them. */
export type MemberEntityType = 'u' | 'g';

/** A project membership: one user or group holding one role in one project. */
export interface Member {
  readonly id: number;
  readonly projectId: number;
  readonly entityType: MemberEntityType;
  /** The user's (or group's) id. */
  readonly entityId: number;
  /** The user's (or group's) name. */
  readonly entityName: string;
  /** Harbor's role id (ProjectRole). */
  readonly role: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Whom to add with which role: a user by id or by name, or a group (refused until directories exist). */
export interface NewMember {
  readonly role: number;
  readonly user?: { readonly id?: number | undefined; readonly username?: string | undefined } | undefined;
  readonly group?:
    | {
        readonly id?: number | undefined;
        readonly groupName?: string | undefined;
        readonly ldapGroupDn?: string | undefined;
      }
    | undefined;
}
