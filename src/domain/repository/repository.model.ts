/** A repository as the management API shows it. */
export interface Repository {
  readonly id: number;
  readonly projectId: number;
  /** The full name, project/repository. */
  readonly name: string;
  readonly description: string;
  /** Its top-level artifacts (children of an index and accessories are counted with their parent). */
  readonly artifactCount: number;
  readonly pullCount: number;
  readonly createdAt: Date;
  /** The last push of a manifest or tag (to the second). */
  readonly updatedAt: Date;
}

export type RepositoryField =
  | 'id'
  | 'projectId'
  | 'name'
  | 'description'
  | 'pullCount'
  | 'createdAt'
  | 'updatedAt'
  | 'blobDigest';

/** A repository found by search, with its project. */
export interface RepositoryMatch {
  readonly projectId: number;
  readonly projectName: string;
  readonly projectPublic: boolean;
  readonly name: string;
  readonly pullCount: number;
  readonly artifactCount: number;
}
