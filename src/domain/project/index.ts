export {
  metadataKeys,
  type ProjectMetadata,
  type ProjectQuery,
  ProjectService,
  type ProjectView,
  validateMetadata,
} from './project.service.js';
export { ProjectRole, type ProjectRoleId, projectRoleIds } from './roles.js';
