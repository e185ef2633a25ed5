#!/usr/bin/env node
// The `berth` command of this checkout (`npx berth …`): builds dist/ first when the sources changed since
// the last build (scripts/build-if-changed.mjs; its output goes to stderr so that a command's own output
// stays clean), then runs the CLI, dist/cli/index.js. Works right after `npm ci`, before any `npm start`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-if-changed.mjs'), '--quiet'], {
  stdio: ['ignore', 2, 2],
});
if (build.error) throw build.error;
if (build.status !== 0) {
  console.error('berth: building dist/ failed (see above)');
  process.exit(build.status ?? 1);
}
await import(pathToFileURL(path.join(root, 'dist', 'cli', 'index.js')).href);
