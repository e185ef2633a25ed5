export { MemberService, type MemberView } from './member.service.js';
export {
  metadataKeys,
  metadataOf,
  type ProjectMetadata,
  type ProjectQuery,
  ProjectService,
  type ProjectView,
  validateMetadata,
} from './project.service.js';
export { ProjectRole, projectRoleIds, roleNames } from './roles.js';
