import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are epoch milliseconds; sizes are bytes. Both are bigint columns read as numbers. */
export interface RepositoryTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

export interface BlobTable {
  digest: string;
  size: number;
  created_at: number;
}

export interface RepositoryBlobTable {
  repository_id: number;
  digest: string;
  created_at: number;
}

export interface ManifestTable {
  id: Generated<number>;
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  size: number;
  content: Buffer;
  subject_digest: string | null;
  annotations: string | null;
  created_at: number;
}

export type ReferenceKind = 'blob' | 'manifest';

export interface ManifestReferenceTable {
  manifest_id: number;
  digest: string;
  kind: ReferenceKind;
}

export interface TagTable {
  repository_id: number;
  name: string;
  digest: string;
  updated_at: number;
}

export interface UploadTable {
  id: string;
  repository: string;
  size: number;
  segments: string;
  created_at: number;
  updated_at: number;
}

export interface Database {
  repositories: RepositoryTable;
  blobs: BlobTable;
  repository_blobs: RepositoryBlobTable;
  manifests: ManifestTable;
  manifest_references: ManifestReferenceTable;
  tags: TagTable;
  uploads: UploadTable;
}

export type Repository = Selectable<RepositoryTable>;
export type Manifest = Selectable<ManifestTable>;
export type NewManifest = Insertable<ManifestTable>;
export type Upload = Selectable<UploadTable>;
export type Tag = Selectable<TagTable>;
