export {
  permissionsOf,
  type RobotAccess,
  type RobotInput,
  type RobotPermission,
  RobotService,
  robotPrefix,
} from './robot.service.js';
