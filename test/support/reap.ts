import { afterAll } from 'vitest';
import { reapServers } from './process.js';

// After every test file, servers that a failed test left running are stopped.
afterAll(() => reapServers());
