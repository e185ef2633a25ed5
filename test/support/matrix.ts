import { afterAll, beforeAll } from 'vitest';
import { RegistryClient } from './client.js';
import { adminAuthorization, createProjects, startTestServer, type TestServer } from './server.js';
import {
  createTestDatabase,
  createTestStorage,
  type DatabaseKind,
  type StorageKind,
  type TestDatabase,
  type TestStorage,
} from './services.js';

/** Every registry suite runs on both databases and both storage drivers. */
export const backends: readonly [DatabaseKind, StorageKind][] = [
  ['sqlite', 'filesystem'],
  ['sqlite', 's3'],
  ['postgres', 'filesystem'],
  ['postgres', 's3'],
];

export interface Backend {
  database: TestDatabase;
  storage: TestStorage;
  server: TestServer;
  client: RegistryClient;
}

/**
 * Starts a database, a store and a server for the enclosing describe block, with the named projects
 * created; the client authenticates as the administrator. Tears all three down after the block.
 */
export function useBackend(
  databaseKind: DatabaseKind,
  storageKind: StorageKind,
  overrides: Record<string, unknown> = {},
  projects: readonly string[] = [],
) {
  const backend = {} as Backend;
  beforeAll(async () => {
    backend.database = await createTestDatabase(databaseKind);
    backend.storage = await createTestStorage(storageKind);
    backend.server = await startTestServer(backend.database, backend.storage, overrides);
    await createProjects(backend.server.url, projects);
    backend.client = new RegistryClient(backend.server.url, adminAuthorization);
  });
  afterAll(async () => {
    await backend.server?.close();
    await backend.storage?.stop();
    await backend.database?.drop();
  });
  return backend;
}
