import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { errorCode, RegistryClient, sha256 } from '../support/client.js';
import { adminAuthorization, createProjects, startTestServer, type TestServer } from '../support/server.js';
import {
  createTestDatabase,
  createTestStorage,
  type TestDatabase,
  type TestStorage,
} from '../support/services.js';
import { until } from '../support/until.js';

const message = 'The system is in read only mode. Any modification is prohibited.';

describe('read-only mode, across two replicas (postgres, filesystem)', () => {
  let database: TestDatabase;
  let storage: TestStorage;
  let a: TestServer;
  let b: TestServer;
  let api: ApiClient;
  let apiB: ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    storage = await createTestStorage('filesystem');
    a = await startTestServer(database, storage, { 'database.cacheSyncMs': 100 });
    b = await startTestServer(database, storage, { 'database.cacheSyncMs': 100 });
    await createProjects(a.url, ['ro']);
    api = await adminApiClient(a.url);
    apiB = await adminApiClient(b.url);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await storage?.stop();
    await database?.drop();
  });

  it('refuses every write on /v2 and the API while reads go on, on every replica, until it is turned off', async () => {
    const client = new RegistryClient(a.url, adminAuthorization);
    const clientB = new RegistryClient(b.url, adminAuthorization);
    const image = await client.pushImage('ro/app', 'v1');
    expect((await api.call('GET', '/configurations')).body).toEqual({
      read_only: { value: false, editable: true },
    });

    expect((await api.call('PUT', '/configurations', { read_only: true })).status).toBe(200);
    expect((await api.call('GET', '/configurations')).body).toEqual({
      read_only: { value: true, editable: true },
    });
    // The other replica follows within its cache sync interval.
    await until(
      5_000,
      async () =>
        await clientB.pushBlob('ro/app', 'x').then(
          () => false,
          () => true,
        ),
      'B refuses',
    );

    for (const c of [client, clientB]) {
      const blob = await c.request(`/v2/ro/app/blobs/uploads/?digest=${sha256('y')}`, {
        method: 'POST',
        body: 'y',
      });
      expect(blob.status).toBe(403);
      expect(await blob.json()).toMatchObject({ errors: [{ code: 'DENIED', message }] });
      const manifest = await c.pushManifest('ro/app', 'v2', JSON.parse(image.body));
      expect([manifest.status, await errorCode(manifest)]).toEqual([403, 'DENIED']);
      const deleted = await c.request(`/v2/ro/app/manifests/${image.digest}`, { method: 'DELETE' });
      expect(deleted.status).toBe(403);
      // Reads go on.
      expect((await c.request('/v2/ro/app/manifests/v1')).status).toBe(200);
      expect((await c.request('/v2/ro/app/tags/list')).status).toBe(200);
    }
    for (const client of [api, apiB]) {
      const project = await client.call('POST', '/projects', { project_name: 'refused' });
      expect(project.status).toBe(403);
      expect(errorOf(project)).toEqual({ code: 'DENIED', message });
      const artifact = await client.call('DELETE', `/projects/ro/repositories/app/artifacts/${image.digest}`);
      expect(artifact.status).toBe(403);
      expect((await client.call('GET', '/projects/ro/repositories/app/artifacts')).status).toBe(200);
    }
    // Background work that deletes (GC, retention, purges) changes nothing meanwhile, as a schedule would start it.
    const gc = b.services.gc;
    const run = await gc.start(gc.parameters({}));
    await until(10_000, async () => (await gc.get(run)).status === 'Stopped', 'the GC run ends');
    expect(await gc.log(run)).toContain('the registry is in read-only mode: this run changed nothing');
    // Signing in and tokens still work.
    const token = await fetch(`${a.url}/service/token?service=berth-registry&scope=repository:ro/app:pull`, {
      headers: { Authorization: adminAuthorization },
    });
    expect(token.status).toBe(200);

    expect((await apiB.call('PUT', '/configurations', { read_only: false })).status).toBe(200);
    await until(
      5_000,
      async () =>
        await client.pushBlob('ro/app', 'z').then(
          () => true,
          () => false,
        ),
      'A takes writes',
    );
    expect((await api.call('POST', '/projects', { project_name: 'accepted' })).status).toBe(201);
  });

  it('takes only what it has, from system administrators', async () => {
    const bad = await api.call('PUT', '/configurations', { read_only: true, auth_mode: 'ldap_auth' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)?.message).toBe('configuration items Berth does not have: auth_mode');
    expect(errorOf(await api.call('PUT', '/configurations', {}))?.message).toBe('Missing configuration item');
    expect((await api.call('PUT', '/configurations', { read_only: 'yes' })).status).toBe(400);
    expect((await api.anonymous().call('GET', '/configurations')).status).toBe(401);
    expect((await api.call('GET', '/configurations')).body).toEqual({
      read_only: { value: false, editable: true },
    });
  });
});
