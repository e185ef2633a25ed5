import type { Generated, Insertable, Selectable } from 'kysely';
import type {
  ExecutionLogTable,
  JobTable,
  LeaseTable,
  ScheduleTable,
  SystemRunTable,
} from './tables.jobs.js';
import type {
  ImmutableRuleTable,
  ProjectBlobTable,
  QuotaTable,
  QuotaUsageTable,
  RetentionPolicyTable,
  RetentionTaskTable,
  SettingTable,
} from './tables.lifecycle.js';
import type {
  CveAllowlistTable,
  ProjectScannerTable,
  ScanAllExecutionTable,
  ScanAllTaskTable,
  ScannerRegistrationTable,
  ScanReportTable,
  VulnAffectedTable,
  VulndbImportTable,
  VulnRecordTable,
} from './tables.scan.js';

/** Times are epoch milliseconds; sizes are bytes. Both are bigint columns read as numbers. */
export interface RepositoryTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  description: Generated<string>;
  pull_count: Generated<number>;
  /** The last push of a manifest or tag (the creation time before the first). */
  updated_at: number;
  /** The project owning the repository: the one its name's first component names. */
  project_id: number;
}

export interface BlobTable {
  digest: string;
  size: number;
  created_at: number;
  /** The blob's last upload, or unlink from a repository or a deleted manifest (garbage collection's time window). */
  touched_at: Generated<number>;
  /** 1 while garbage collection removes the blob: nothing may link it then. */
  deleting: Generated<number>;
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
  pull_time: Generated<number | null>;
  /** JSON: attributes read from the config blob (architecture, os, …), cached on first view. */
  extra_attrs: Generated<string | null>;
  /** The config's media type (image manifests; Harbor's media_type of an artifact). */
  config_media_type: string | null;
  /** How many index manifests of the same repository list this one. */
  parent_count: Generated<number>;
  /** 1 when no index of the repository lists it and its subject (if any) is not in the repository. */
  top_level: Generated<number>;
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
  pull_time: Generated<number | null>;
}

export interface UploadTable {
  id: string;
  repository: string;
  size: number;
  segments: string;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  realname: Generated<string>;
  comment: Generated<string>;
  /** argon2id; null for users who sign in elsewhere (LDAP, OIDC). */
  password_hash: string | null;
  /** 0 or 1. */
  sysadmin: Generated<number>;
  /** Raised by every change that must end the user's tokens (password, administrator flag, membership). */
  credential_version: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ProjectTable {
  id: Generated<number>;
  name: string;
  owner_id: number;
  /** 0 or 1: anonymous pull allowed; mirrored in metadata.public. */
  public: number;
  /** JSON object of string values, as Harbor's ProjectMetadata. */
  metadata: Generated<string>;
  created_at: number;
  updated_at: number;
}

export type MemberEntityType = 'u' | 'g';

export interface ProjectMemberTable {
  id: Generated<number>;
  project_id: number;
  entity_type: MemberEntityType;
  entity_id: number;
  role: number;
  created_at: number;
  updated_at: number;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface RobotTable {
  id: Generated<number>;
  /** Full name: robot$<project>+<name> (project level) or robot$<name> (system level). */
  name: string;
  description: Generated<string>;
  level: 'system' | 'project';
  project_id: number | null;
  secret_hash: string;
  /** JSON: Harbor's RobotPermission list. */
  permissions: string;
  duration_days: number;
  /** Epoch seconds, -1 for never. */
  expires_at: number;
  disabled: Generated<number>;
  /** Raised by every change that must end the robot's tokens (update, disable, secret refresh). */
  credential_version: Generated<number>;
  creator_id: number;
  created_at: number;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  operator: string;
  resource_type: string;
  resource: string;
  operation: string;
  /** 1 success, 0 failure. */
  result: number;
  project_id: number | null;
  description: Generated<string>;
  op_time: number;
}

export interface SessionTable {
  /** SHA-256 of the session token (base64url); the token itself is never stored. */
  token_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  /** The absolute end of the session, whatever its activity. */
  expires_at: number;
}

export interface LabelTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  color: Generated<string>;
  /** `g` global, `p` a project's own. */
  scope: 'g' | 'p';
  /** 0 for global labels. */
  project_id: number;
  created_at: number;
  updated_at: number;
}

export interface ArtifactLabelTable {
  manifest_id: number;
  label_id: number;
  created_at: number;
}

export interface LoginFailureTable {
  /** `user <name>` or `address <ip>`. */
  key: string;
  failures: number;
  window_ends_at: number;
}

export interface CacheVersionTable {
  topic: string;
  version: number;
}

export interface Database {
  repositories: RepositoryTable;
  blobs: BlobTable;
  repository_blobs: RepositoryBlobTable;
  manifests: ManifestTable;
  manifest_references: ManifestReferenceTable;
  tags: TagTable;
  uploads: UploadTable;
  users: UserTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  signing_keys: SigningKeyTable;
  robots: RobotTable;
  audit_logs: AuditLogTable;
  sessions: SessionTable;
  vuln_records: VulnRecordTable;
  vuln_affected: VulnAffectedTable;
  vulndb_imports: VulndbImportTable;
  jobs: JobTable;
  scan_reports: ScanReportTable;
  cve_allowlists: CveAllowlistTable;
  scanner_registrations: ScannerRegistrationTable;
  project_scanners: ProjectScannerTable;
  labels: LabelTable;
  artifact_labels: ArtifactLabelTable;
  login_failures: LoginFailureTable;
  cache_versions: CacheVersionTable;
  schedules: ScheduleTable;
  scan_all_executions: ScanAllExecutionTable;
  scan_all_tasks: ScanAllTaskTable;
  system_runs: SystemRunTable;
  execution_logs: ExecutionLogTable;
  leases: LeaseTable;
  settings: SettingTable;
  immutable_rules: ImmutableRuleTable;
  quotas: QuotaTable;
  project_blobs: ProjectBlobTable;
  quota_usage: QuotaUsageTable;
  retention_policies: RetentionPolicyTable;
  retention_tasks: RetentionTaskTable;
}

export type NewManifest = Insertable<ManifestTable>;
export type Upload = Selectable<UploadTable>;
export type User = Selectable<UserTable>;
export type Project = Selectable<ProjectTable>;
export type ProjectMember = Selectable<ProjectMemberTable>;
export type Robot = Selectable<RobotTable>;
export type AuditLog = Selectable<AuditLogTable>;
export type ScannerRegistration = Selectable<ScannerRegistrationTable>;
