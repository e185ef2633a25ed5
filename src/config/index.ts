export {
  ConfigError,
  databaseUrl,
  environmentKeys,
  filesystemRoot,
  type LoadOptions,
  loadConfig,
} from './load.js';
export { redacted } from './redact.js';
export { type Config, ConfigSchema } from './schema.js';
