/** A local user: signs in with a password (or, later, through a directory), holds project roles. */
export interface User {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly realname: string;
  readonly comment: string;
  /** A system administrator: may do anything anywhere. */
  readonly sysadmin: boolean;
  /** Raised by every change that must end the user's tokens (password, administrator flag, membership). */
  readonly credentialVersion: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewUser {
  readonly username: string;
  readonly password?: string | undefined;
  readonly email?: string | undefined;
  readonly realname?: string | undefined;
  readonly comment?: string | undefined;
  readonly sysadmin?: boolean | undefined;
}

/** What a user's profile may change (Harbor's UserProfile); an absent field stays as it is. */
export interface UserProfile {
  readonly email?: string | undefined;
  readonly realname?: string | undefined;
  readonly comment?: string | undefined;
}

/**
 * Who asks for a change: a signed-in user (by id), or someone acting for the system without being a
 * user (a system robot holding the permission, the command line), and whether they administer it.
 */
export interface Actor {
  readonly userId?: number | undefined;
  readonly sysadmin: boolean;
}

/** The fields a user list filters and sorts by. */
export type UserField =
  | 'id'
  | 'username'
  | 'email'
  | 'realname'
  | 'comment'
  | 'sysadmin'
  | 'createdAt'
  | 'updatedAt'
  | 'usernameOrEmail';

/** The id of the first administrator, made on first start; Harbor never lets it be deleted. */
export const firstAdministratorId = 1;
