export { type ConnectOptions, connectDatabase, type DatabaseHandle, migrateToLatest } from './connect.js';
export { builtInScannerId, type Dialect } from './migrations/index.js';
export { prepared } from './prepared.js';
export { retryConflicts } from './retry.js';
export type * from './tables.jobs.js';
export type * from './tables.js';
export type * from './tables.lifecycle.js';
export type * from './tables.scan.js';
export { type TransactionWork, WriteBatcher } from './write-batcher.js';
