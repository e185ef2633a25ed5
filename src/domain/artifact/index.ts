export {
  type ArtifactQuery,
  ArtifactService,
  type RepositoryQuery,
  type TagQuery,
} from './artifact.service.js';
export type {
  AccessoryView,
  ArtifactView,
  ChildReference,
  RepositoryView,
  TagView,
} from './artifact.view.js';
export { PullActivity } from './pull-activity.js';
