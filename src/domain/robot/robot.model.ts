export type RobotLevel = 'system' | 'project';

/** One thing a robot may do: `repository:pull`, `scan-all:stop` … (Harbor's resources and actions). */
export interface RobotAccess {
  readonly resource: string;
  readonly action: string;
}

/**
 * Harbor's RobotPermission: accesses in the system (`kind: system`, namespace `/`) or in a project
 * (`kind: project`, namespace the project's name, or `*` for every project: system robots only).
 */
export interface RobotPermission {
  readonly kind: 'system' | 'project';
  readonly namespace: string;
  /**
   * The project the namespace named when the permission was given (kind project, namespace not `*`):
   * a project made later under the same name, after that one was deleted, is not covered.
   */
  readonly projectId?: number | undefined;
  readonly access: readonly RobotAccess[];
}

/** A robot account for CI/CD: it may do exactly what its permissions list. */
export interface Robot {
  readonly id: number;
  /** The full name: `robot$<project>+<name>` (project level) or `robot$<name>` (system level). */
  readonly name: string;
  readonly description: string;
  readonly level: RobotLevel;
  /** The project of a project robot. */
  readonly projectId: number | null;
  readonly permissions: readonly RobotPermission[];
  /** Days from creation until it expires; -1 for never. */
  readonly duration: number;
  /** When it stops working; undefined for never. */
  readonly expiresAt: Date | undefined;
  readonly disabled: boolean;
  readonly credentialVersion: number;
  /** The user who created it (0: the command line). */
  readonly creatorId: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A permission as a client sends it, before it is checked (any kind, any resource). */
export interface RequestedPermission {
  readonly kind: string;
  readonly namespace: string;
  readonly access: readonly { readonly resource: string; readonly action: string }[];
}

export interface NewRobot {
  /** The name without prefix or project: lower-case letters, digits and . _ - between them. */
  readonly name: string;
  readonly description?: string | undefined;
  readonly level: RobotLevel;
  /** Days until it expires; -1 for never, 0 for the default (30 days). */
  readonly duration: number;
  readonly disable?: boolean | undefined;
  /** A chosen secret (the policy of passwords applies); a generated one otherwise. */
  readonly secret?: string | undefined;
  readonly permissions: readonly RequestedPermission[];
}

export interface RobotChanges {
  /** The robot's name (full or bare) and level may be sent, as Harbor's clients do, but never changed. */
  readonly name?: string | undefined;
  readonly level?: string | undefined;
  readonly description?: string | undefined;
  readonly disable?: boolean | undefined;
  readonly duration?: number | undefined;
  readonly permissions?: readonly RequestedPermission[] | undefined;
}

/** Who manages a robot: a user, a robot (which may not) or the system itself (the command line). */
export type RobotActor =
  | { readonly kind: 'user'; readonly id: number }
  | { readonly kind: 'robot'; readonly id: number }
  | { readonly kind: 'system' };

/** The fields a robot list filters and sorts by. */
export type RobotField =
  | 'id'
  | 'name'
  | 'description'
  | 'duration'
  | 'expiresAt'
  | 'disabled'
  | 'createdAt'
  | 'updatedAt';

export const robotPrefix = 'robot$';

/** Harbor's default robot lifetime (robot_token_duration), for a duration of 0. */
export const defaultRobotDays = 30;
