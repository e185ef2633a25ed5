export type {
  Accessory,
  Artifact,
  ArtifactField,
  ChildReference,
  Platform,
  Tag,
  TagField,
} from './artifact.model.js';
export { type ArtifactQuery, ArtifactService, type TagQuery } from './artifact.service.js';
export { PullActivity } from './pull-activity.js';
