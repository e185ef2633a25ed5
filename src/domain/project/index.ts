export {
  assertProjectName,
  metadataKeys,
  type Project,
  type ProjectDetail,
  type ProjectField,
  type ProjectMetadata,
  projectNameOf,
  type Visibility,
  validateMetadata,
} from './project.model.js';
export { type ProjectListQuery, type Statistics, visibleCondition } from './project.repo.js';
export { ProjectService } from './project.service.js';
export { ProjectRole, projectRoleIds, roleNames } from './roles.js';
