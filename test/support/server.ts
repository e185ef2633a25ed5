import pino from 'pino';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main.js';
import type { TestDatabase, TestStorage } from './services.js';

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
      ...storage.settings,
      ...overrides,
    },
  });
  const server = await startServer(config, pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }));
  return { ...server, config };
}
