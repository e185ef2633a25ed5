import type { Migration, MigrationProvider } from 'kysely';
import { registryMigration } from './0001-registry.js';
import { identityMigration } from './0002-identity.js';
import { signingKeysMigration } from './0003-signing-keys.js';
import { robotsMigration } from './0004-robots.js';
import { auditLogMigration } from './0005-audit-log.js';
import { artifactActivityMigration } from './0006-artifact-activity.js';
import { sessionsMigration } from './0007-sessions.js';
import { vulndbMigration } from './0008-vulndb.js';
import { jobsScansMigration } from './0009-jobs-scans.js';
import { cveAllowlistsMigration } from './0010-cve-allowlists.js';
import { scannersMigration } from './0011-scanners.js';
import { artifactModelMigration } from './0012-artifact-model.js';
import { labelsMigration } from './0013-labels.js';
import { credentialsMigration } from './0014-credentials.js';
import { scanAllMigration } from './0015-scan-all.js';
import { robotScopesMigration } from './0016-robot-scopes.js';
import { gcSystemRunsMigration } from './0017-gc-system-runs.js';
import { settingsImmutableMigration } from './0018-settings-immutable.js';
import { quotasMigration } from './0019-quotas.js';
import { retentionMigration } from './0020-retention.js';
import type { Dialect } from './dialect.js';

export { builtInScannerId } from './0011-scanners.js';
export type { Dialect };

/** Numbered, frozen once landed; each runs on SQLite and PostgreSQL alike. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-registry': registryMigration(dialect),
        '0002-identity': identityMigration(dialect),
        '0003-signing-keys': signingKeysMigration(),
        '0004-robots': robotsMigration(dialect),
        '0005-audit-log': auditLogMigration(dialect),
        '0006-artifact-activity': artifactActivityMigration(),
        '0007-sessions': sessionsMigration(),
        '0008-vulndb': vulndbMigration(),
        '0009-jobs-scans': jobsScansMigration(dialect),
        '0010-cve-allowlists': cveAllowlistsMigration(),
        '0011-scanners': scannersMigration(),
        '0012-artifact-model': artifactModelMigration(dialect),
        '0013-labels': labelsMigration(dialect),
        '0014-credentials': credentialsMigration(),
        '0015-scan-all': scanAllMigration(dialect),
        '0016-robot-scopes': robotScopesMigration(),
        '0017-gc-system-runs': gcSystemRunsMigration(dialect),
        '0018-settings-immutable': settingsImmutableMigration(dialect),
        '0019-quotas': quotasMigration(dialect),
        '0020-retention': retentionMigration(dialect),
      };
    },
  };
}
