import type { Robot, RobotPermission } from '../../domain/robot/index.js';

/** Harbor's RobotPermission: kind, namespace and accesses (Berth's project id stays inside). */
export function robotPermissionResponse(permission: RobotPermission) {
  return {
    kind: permission.kind,
    namespace: permission.namespace,
    access: permission.access.map((a) => ({ resource: a.resource, action: a.action })),
  };
}

/** Harbor's `expires_at`: epoch seconds, -1 for never. */
export const expiresAtSeconds = (robot: Robot): number =>
  robot.expiresAt === undefined ? -1 : Math.floor(robot.expiresAt.getTime() / 1000);

/** Harbor's Robot; the secret is never shown again after creation. */
export function robotResponse(robot: Robot) {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    level: robot.level,
    duration: robot.duration,
    editable: true,
    disable: robot.disabled,
    expires_at: expiresAtSeconds(robot),
    permissions: robot.permissions.map(robotPermissionResponse),
    creator_type: 'local',
    creator_ref: robot.creatorId,
    creation_time: robot.createdAt.toISOString(),
    update_time: robot.updatedAt.toISOString(),
  };
}

/** Harbor's RobotCreated: the one time the secret is shown. */
export function robotCreatedResponse(robot: Robot, secret: string) {
  return {
    id: robot.id,
    name: robot.name,
    secret,
    creation_time: robot.createdAt.toISOString(),
    expires_at: expiresAtSeconds(robot),
  };
}
