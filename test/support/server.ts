import pino from 'pino';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main.js';
import type { TestDatabase, TestStorage } from './services.js';

/** The password of the `admin` user that every test server is started with. */
export const testAdminPassword = 'Admin12345';

export const adminAuthorization = `Basic ${Buffer.from(`admin:${testAdminPassword}`).toString('base64')}`;

/** Creates projects through the management API, as the administrator. */
export async function createProjects(url: string, names: readonly string[], isPublic = false): Promise<void> {
  for (const name of names) {
    const res = await fetch(`${url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { Authorization: adminAuthorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ project_name: name, metadata: { public: String(isPublic) } }),
    });
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`cannot create project ${name}: ${res.status} ${await res.text()}`);
  }
}

export interface TestServer extends RunningServer {
  readonly config: Config;
}

/** A real Berth on a loopback port, over the given database and store. */
export async function startTestServer(
  database: TestDatabase,
  storage: TestStorage,
  overrides: Record<string, unknown> = {},
): Promise<TestServer> {
  const config = loadConfig({
    overrides: {
      host: '127.0.0.1',
      port: 0,
      dataDir: '/nonexistent-berth-test-data',
      'database.url': database.url,
      'log.level': 'warn',
      'log.requests': false,
      'auth.adminPassword': testAdminPassword,
      // No test reaches the internet: database updates run only when a test asks for one.
      'vulndb.updateSchedule': '',
      ...storage.settings,
      ...overrides,
    },
  });
  const server = await startServer(config, pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }));
  return { ...server, config };
}
