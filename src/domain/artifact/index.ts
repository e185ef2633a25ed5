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
export {
  deleteArtifactTree,
  deleteIfUntagged,
  type UntaggedArtifact,
  untaggedArtifacts,
  untaggedTree,
} from './artifact-delete.js';
export { PullActivity } from './pull-activity.js';
