#!/usr/bin/env node
// Builds dist/ with `tsc -p tsconfig.build.json` only when what it is built from changed since the last
// build (`npm start` runs this first). What it is built from: every file under src/, tsconfig*.json,
// package.json and package-lock.json, each by path, size and modification time; a file added, removed,
// edited or put back with an older time all count as a change. The fingerprint of the last successful
// build is kept in dist/.build-stamp.json. With --force (`npm run build`) it always builds; with --quiet
// it says nothing when dist/ is up to date (scripts/berth.mjs, behind `npx berth`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'dist', '.build-stamp.json');
const entry = path.join(root, 'dist', 'cli', 'index.js');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

/** Every file under `dir`, as paths relative to the checkout. */
function filesUnder(dir) {
  const out = [];
  for (const dirent of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, dirent.name);
    if (dirent.isDirectory()) out.push(...filesUnder(rel));
    else out.push(rel);
  }
  return out;
}

function fingerprint() {
  const top = readdirSync(root).filter(
    (name) => /^tsconfig.*\.json$/.test(name) || name === 'package.json' || name === 'package-lock.json',
  );
  const hash = createHash('sha256');
  let newest = 0;
  for (const rel of [...filesUnder('src'), ...top].sort()) {
    const stat = statSync(path.join(root, rel));
    newest = Math.max(newest, stat.mtimeMs);
    hash.update(`${rel}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return { fingerprint: hash.digest('hex'), newestSource: new Date(newest).toISOString() };
}

function lastBuild() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).fingerprint;
  } catch {
    return undefined;
  }
}

// Taken before compiling, so that a file saved while tsc runs makes the next start build again.
const current = fingerprint();
if (!force && existsSync(entry) && lastBuild() === current.fingerprint) {
  if (!quiet) console.log('dist/ is up to date with src/: not rebuilding (npm run build always rebuilds)');
  process.exit(0);
}

// tsc writes dist/ even when it reports errors: until it succeeds no stamp may claim dist/ is current.
rmSync(stampFile, { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
console.log(
  force
    ? 'tsc -p tsconfig.build.json'
    : 'src/ changed since the last build (or no build yet): tsc -p tsconfig.build.json',
);
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.error) throw result.error;
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stampFile, `${JSON.stringify({ ...current, builtAt: new Date().toISOString() }, null, 2)}\n`);
