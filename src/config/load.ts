import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { type Config, ConfigSchema } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `list`: comma-separated strings. */
type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list';

/** Environment variables and the config key each one sets. Nothing else reads process.env. */
export const environmentKeys: Readonly<Record<string, readonly [string, Kind]>> = {
  BERTH_HOST: ['host', 'string'],
  BERTH_PORT: ['port', 'integer'],
  BERTH_DATA_DIR: ['dataDir', 'string'],
  BERTH_DATABASE_URL: ['database.url', 'string'],
  BERTH_DATABASE_POOL_SIZE: ['database.poolSize', 'integer'],
  BERTH_DATABASE_PREPARED_STATEMENTS: ['database.preparedStatements', 'boolean'],
  BERTH_STORAGE: ['storage.driver', 'string'],
  BERTH_FS_ROOT: ['storage.filesystem.root', 'string'],
  BERTH_FS_FSYNC: ['storage.filesystem.fsync', 'boolean'],
  BERTH_S3_BUCKET: ['storage.s3.bucket', 'string'],
  BERTH_S3_REGION: ['storage.s3.region', 'string'],
  BERTH_S3_ENDPOINT: ['storage.s3.endpoint', 'string'],
  BERTH_S3_ACCESS_KEY_ID: ['storage.s3.accessKeyId', 'string'],
  BERTH_S3_SECRET_ACCESS_KEY: ['storage.s3.secretAccessKey', 'string'],
  BERTH_S3_FORCE_PATH_STYLE: ['storage.s3.forcePathStyle', 'boolean'],
  BERTH_S3_PREFIX: ['storage.s3.prefix', 'string'],
  BERTH_S3_PART_SIZE_MIB: ['storage.s3.partSizeMiB', 'integer'],
  BERTH_MANIFEST_MAX_BYTES: ['registry.manifestMaxBytes', 'integer'],
  BERTH_UPLOAD_TTL_HOURS: ['registry.uploadTtlHours', 'number'],
  BERTH_ORPHAN_GRACE_MINUTES: ['registry.orphanGraceMinutes', 'number'],
  BERTH_EXTERNAL_URL: ['externalUrl', 'string'],
  BERTH_ADMISSION_REGISTRY_HOSTS: ['admission.registryHosts', 'list'],
  BERTH_ADMIN_PASSWORD: ['auth.adminPassword', 'string'],
  BERTH_TOKEN_EXPIRY_SECONDS: ['auth.tokenExpirySeconds', 'integer'],
  BERTH_LOGIN_FAILURES_PER_USER: ['auth.loginFailuresPerUser', 'integer'],
  BERTH_LOGIN_FAILURES_PER_ADDRESS: ['auth.loginFailuresPerAddress', 'integer'],
  BERTH_LOGIN_WINDOW_SECONDS: ['auth.loginWindowSeconds', 'integer'],
  BERTH_SESSION_IDLE_MINUTES: ['auth.sessionIdleMinutes', 'number'],
  BERTH_SESSION_MAX_HOURS: ['auth.sessionMaxHours', 'number'],
  BERTH_AUDIT_RETENTION_DAYS: ['audit.retentionDays', 'number'],
  BERTH_GC_TIME_WINDOW_MINUTES: ['gc.timeWindowMinutes', 'number'],
  BERTH_QUOTA_STORAGE_PER_PROJECT: ['quota.storagePerProject', 'integer'],
  BERTH_JOBS_CONCURRENCY: ['jobs.concurrency', 'integer'],
  BERTH_JOBS_LEASE_SECONDS: ['jobs.leaseSeconds', 'integer'],
  BERTH_VULNDB_MIRROR_URL: ['vulndb.mirrorUrl', 'string'],
  BERTH_VULNDB_UPDATE_SCHEDULE: ['vulndb.updateSchedule', 'string'],
  BERTH_SCANNERS_INTERNAL_REGISTRY_URL: ['scanners.internalRegistryUrl', 'string'],
  BERTH_SCANNERS_PULL_TOKEN_MINUTES: ['scanners.pullTokenMinutes', 'integer'],
  BERTH_SCANNERS_REPORT_TIMEOUT_MINUTES: ['scanners.reportTimeoutMinutes', 'integer'],
  BERTH_LOG_LEVEL: ['log.level', 'string'],
  BERTH_LOG_REQUESTS: ['log.requests', 'boolean'],
  BERTH_SHUTDOWN_TIMEOUT_SECONDS: ['shutdownTimeoutSeconds', 'number'],
  BERTH_HTTP_HEADERS_TIMEOUT_SECONDS: ['http.headersTimeoutSeconds', 'number'],
  BERTH_HTTP_IDLE_TIMEOUT_SECONDS: ['http.idleTimeoutSeconds', 'number'],
  BERTH_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: ['http.keepAliveTimeoutSeconds', 'number'],
  BERTH_HTTP_TRUSTED_PROXIES: ['http.trustedProxies', 'list'],
};

type Tree = { [key: string]: unknown };

function convert(name: string, raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${name}: expected true or false, got "${raw}"`);
    default: {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || (kind === 'integer' && !Number.isInteger(value))) {
        throw new ConfigError(
          `${name}: expected ${kind === 'integer' ? 'an integer' : 'a number'}, got "${raw}"`,
        );
      }
      return value;
    }
  }
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

function readFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a mapping of settings`);
  }
  return parsed as Tree;
}

export interface LoadOptions {
  file?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  overrides?: Tree;
}

/** Defaults < YAML file < BERTH_* environment < explicit overrides; validated once, with the bad key named. */
export function loadConfig(options: LoadOptions = {}): Config {
  const tree: Tree = options.file ? readFile(options.file) : {};
  for (const [name, raw] of Object.entries(options.env ?? {})) {
    if (!name.startsWith('BERTH_') || raw === undefined) continue;
    const target = environmentKeys[name];
    if (target) setPath(tree, target[0], convert(name, raw, target[1]));
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) setPath(tree, key, value);

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(tree));
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => {
      const key = e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      const message = e.type === ValueErrorType.ObjectAdditionalProperties ? 'unknown key' : e.message;
      return `  ${key}: ${message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = withDefaults as Config;
  if (config.storage.driver === 's3' && config.storage.s3.bucket === '') {
    throw new ConfigError('invalid configuration:\n  storage.s3.bucket: required when storage.driver is s3');
  }
  config.dataDir = path.resolve(config.dataDir);
  return config;
}

export function databaseUrl(config: Config): string {
  return config.database.url || `sqlite:${path.join(config.dataDir, 'berth.db')}`;
}

export function filesystemRoot(config: Config): string {
  return path.resolve(config.storage.filesystem.root || path.join(config.dataDir, 'storage'));
}
