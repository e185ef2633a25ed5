import type { Generated } from 'kysely';

/** Run-time settings, immutable tag rules, storage quotas and tag retention. */

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
