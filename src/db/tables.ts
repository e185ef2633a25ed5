import type { Generated, Insertable, Selectable } from 'kysely';

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

export interface VulnRecordTable {
  /** The OSV id. */
  id: string;
  /** The archive's ecosystem it came from (Debian, PyPI, …). */
  source: string;
  /** Epoch milliseconds, from the record: a newer import replaces an older one. */
  modified: number;
  published: number | null;
  summary: string;
  /** JSON list of alias ids (CVE-…, GHSA-…). */
  aliases: string;
  /** Critical, High, Medium, Low, None or Unknown. */
  severity: string;
  /** CVSS v3 base score, when the record has a vector. */
  score: number | null;
  /** JSON list of reference URLs. */
  reference_urls: string;
}

export interface VulnAffectedTable {
  record_id: string;
  /** As the record writes it: `Debian:12`, `Alpine:v3.19`, `npm`, … */
  ecosystem: string;
  /** Package name (PEP 503-normalised for PyPI). */
  package: string;
  /** JSON: the affected entry's ranges. */
  ranges: string;
  /** JSON: its explicit versions list. */
  versions: string;
}

export interface VulndbImportTable {
  source: string;
  imported_at: number;
  records: number;
  archive: string;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** JSON. */
  payload: string;
  /** At most one waiting (queued) job per key (a scan of one digest, say). */
  dedupe_key: string | null;
  status: JobStatus;
  attempts: Generated<number>;
  max_attempts: number;
  /** Epoch ms: not before. */
  run_after: number;
  /** Epoch ms: a running job whose lease ends is taken again (its worker died). */
  lease_until: number | null;
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** The run a job belongs to (`scan-all <execution id>`): stopping the run cancels its queued jobs. */
  batch: string | null;
}

export interface ScanReportTable {
  digest: string;
  scanner: string;
  report_id: string;
  /** Pending, Running, Success or Error (Harbor's scan_status). */
  status: string;
  severity: Generated<string>;
  /** JSON: {total, fixable, summary: {Critical: n, …}}. */
  summary: Generated<string>;
  /** JSON: the findings and packages. */
  report: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface CveAllowlistTable {
  /** 0 for the system allowlist. */
  project_id: number;
  /** Epoch seconds after which the list no longer applies; null: never expires. */
  expires_at: number | null;
  /** JSON list of CVE ids. */
  items: string;
  created_at: number;
  updated_at: number;
}

export interface ScannerRegistrationTable {
  uuid: string;
  name: string;
  description: Generated<string>;
  /** The adapter's base URL (`builtin:berth` for the built-in scanner). */
  url: string;
  /** '', 'Basic', 'Bearer' or 'X-ScannerAdapter-API-Key': how Berth authenticates to the adapter. */
  auth: Generated<string>;
  access_credential: Generated<string>;
  skip_cert_verify: Generated<number>;
  use_internal_addr: Generated<number>;
  disabled: Generated<number>;
  is_default: Generated<number>;
  /** The built-in registration: neither edited nor deleted. */
  immutable: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ProjectScannerTable {
  project_id: number;
  scanner_uuid: string;
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

/**
 * Scheduled work, one row per kind (`SCAN_ALL`, `GARBAGE_COLLECTION`): Harbor's schedule with its cron
 * type and 6-field cron, and the parameters a fire runs with (JSON).
 */
export interface ScheduleTable {
  id: Generated<number>;
  vendor_type: string;
  /** Hourly, Daily, Weekly, Custom or Schedule. */
  cron_type: string;
  cron: string;
  parameters: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

/** One scan-all run (Harbor's execution of vendor type SCAN_ALL). */
export interface ScanAllExecutionTable {
  id: Generated<number>;
  /** MANUAL, SCHEDULE or EVENT. */
  trigger: string;
  /** Running until its tasks are final, then Success, Error or Stopped. */
  status: string;
  /** A scheduled run's fire time (`schedule <ISO time>`), unique: one run per fire, whichever replica fires. */
  fire_key: string | null;
  start_time: number;
  end_time: number | null;
  stopped_at: number | null;
}

/** One artifact a scan-all run scans (Harbor's task). */
export interface ScanAllTaskTable {
  execution_id: number;
  digest: string;
  repository: string;
  scanner: string;
  /** Pending, Running, Success, Error or Stopped. */
  status: string;
  created_at: number;
  updated_at: number;
}

/** One run of a system job (Harbor's GC or audit-log purge execution). */
export interface SystemRunTable {
  id: Generated<number>;
  /** GARBAGE_COLLECTION, PURGE_AUDIT_LOG or RETENTION. */
  vendor: string;
  /** What the run belongs to, when its vendor has several (a retention policy's id). */
  ref_id: number | null;
  /** MANUAL or SCHEDULE. */
  trigger: string;
  /** JSON: what the run was asked to do. */
  parameters: string;
  /** Pending, Running, Success, Error or Stopped. */
  status: string;
  /** A scheduled run's fire time, unique per vendor: one run per fire, whichever replica fires. */
  fire_key: string | null;
  /** JSON: what the run did (GC: purged_blobs, purged_manifests, freed_space; purge: purged). */
  result: Generated<string>;
  created_at: number;
  updated_at: number;
  stopped_at: number | null;
}

/** The log of a run (GC, retention task …), kept in the database so that every replica can show it. */
export interface ExecutionLogTable {
  vendor: string;
  execution_id: number;
  seq: number;
  text: string;
}

/** A named lease: work one process at a time may do, held by `owner` until `until` unless renewed. */
export interface LeaseTable {
  name: string;
  owner: string;
  until: number;
}

/** A run-time setting (Harbor's configuration key), its value as JSON. */
export interface SettingTable {
  key: string;
  value: string;
  updated_at: number;
}

/** A project's immutable tag rule: Harbor's selectors as JSON. */
export interface ImmutableRuleTable {
  id: Generated<number>;
  project_id: number;
  priority: Generated<number>;
  disabled: Generated<number>;
  /** JSON: [{kind, decoration, pattern}] on the tag. */
  tag_selectors: string;
  /** JSON: {repository: [{kind, decoration, pattern}]}. */
  scope_selectors: string;
  created_at: number;
  updated_at: number;
}

/** A project's storage limit in bytes (-1: none). */
export interface QuotaTable {
  id: Generated<number>;
  project_id: number;
  hard: number;
  created_at: number;
  updated_at: number;
}

/** A blob or manifest a project holds, counted once: kept by triggers on repository_blobs and manifests. */
export interface ProjectBlobTable {
  project_id: number;
  digest: string;
  size: number;
  /** Repository links and stored manifests that hold it in the project. */
  links: number;
  /** The quota_usage shard its bytes are counted in. */
  shard: string;
}

/** A project's usage in shards (the sum is the usage): kept by the same triggers. */
export interface QuotaUsageTable {
  project_id: number;
  shard: string;
  used: number;
}

/** A project's retention policy (Harbor's RetentionPolicy as JSON: rules, algorithm, trigger). */
export interface RetentionPolicyTable {
  id: Generated<number>;
  project_id: number;
  policy: string;
  created_at: number;
  updated_at: number;
}

/** One repository's part of a retention execution. */
export interface RetentionTaskTable {
  id: Generated<number>;
  execution_id: number;
  repository: string;
  /** Pending, Running, Success, Error or Stopped. */
  status: string;
  /** Artifacts considered, and those kept. */
  total: Generated<number>;
  retained: Generated<number>;
  start_time: number;
  end_time: number | null;
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
