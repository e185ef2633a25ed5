import type { Config } from './schema.js';

const hidden = '[hidden]';

/**
 * The configuration with every secret hidden, for printing: the administrator's first password, the
 * object store's secret key, and the password inside a database URL.
 */
export function redacted(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.auth.adminPassword) copy.auth.adminPassword = hidden;
  if (copy.storage.s3.secretAccessKey) copy.storage.s3.secretAccessKey = hidden;
  if (copy.database.url)
    copy.database.url = copy.database.url.replace(/\/\/([^:@/]+):[^@/]*@/, `//$1:${hidden}@`);
  return copy;
}
