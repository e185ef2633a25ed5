export {
  defaultRobotDays,
  type NewRobot,
  type RequestedPermission,
  type Robot,
  type RobotAccess,
  type RobotActor,
  type RobotChanges,
  type RobotField,
  type RobotLevel,
  type RobotPermission,
  robotPrefix,
} from './robot.model.js';
export type { RobotListQuery } from './robot.repo.js';
export { RobotService, type RobotServiceDeps } from './robot.service.js';
