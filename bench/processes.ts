import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Registry {
  readonly name: string;
  readonly url: string;
  readonly host: string;
  readonly pid: number;
  /** user:password for pushes, when the registry wants them. */
  readonly credentials?: string;
  stop(): Promise<void>;
}

const benchAdminPassword = 'BenchAdmin1';

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`registry exited: ${log()}`);
    try {
      if ([200, 401].includes((await fetch(`${url}/v2/`)).status)) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`registry at ${url} did not answer: ${log()}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}

/**
 * Berth from dist/ (production build), SQLite and a filesystem store in a fresh folder; `env` adds or
 * overrides BERTH_* settings (BERTH_DATABASE_URL for PostgreSQL, say).
 */
export async function startBerth(
  root: string,
  dir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<Registry> {
  const port = await freePort();
  // The same V8 settings as `npm start`: a smaller young generation, and an old generation that grows
  // by at most 2.5× its live size before it is collected, so request garbage does not pile up.
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', '--heap-growing-percent=150', path.join(root, 'dist/cli/index.js'), 'serve'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        BERTH_HOST: '127.0.0.1',
        BERTH_PORT: String(port),
        BERTH_DATA_DIR: dir,
        BERTH_LOG_LEVEL: 'warn',
        BERTH_LOG_REQUESTS: 'false',
        BERTH_ADMIN_PASSWORD: benchAdminPassword,
        BERTH_VULNDB_UPDATE_SCHEDULE: '',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, () => stderr);
  // Pushes authenticate as the administrator; the project is public, so reads are anonymous as on the reference.
  const credentials = `admin:${benchAdminPassword}`;
  const created = await fetch(`${url}/api/v2.0/projects`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ project_name: 'bench', metadata: { public: 'true' } }),
  });
  if (created.status !== 201) throw new Error(`cannot create the bench project: ${created.status}`);
  return {
    name: 'berth',
    url,
    host: `127.0.0.1:${port}`,
    pid: child.pid as number,
    credentials,
    stop: stopper(child),
  };
}

/** Debian's docker-registry (Distribution 2.8), filesystem storage in a fresh folder. */
export async function startReference(dir: string): Promise<Registry> {
  const port = await freePort();
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\nstorage:\n  filesystem: { rootdirectory: ${dir}/data }\n  delete: { enabled: true }\nhttp: { addr: 127.0.0.1:${port} }\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, () => stderr);
  return {
    name: 'docker-registry',
    url,
    host: `127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: stopper(child),
  };
}

/** CPU seconds (user + system) the process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Peak resident memory (VmHWM) in MiB, and a reset of it so the next reading covers what follows. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

const isRoot = process.getuid?.() === 0;

/** skopeo with a private, empty blob-info cache, so it never skips an upload by mounting a blob it saw before. */
export async function skopeo(copyArgs: string[], work: string): Promise<number> {
  const base = ['skopeo', '--insecure-policy', 'copy', ...copyArgs];
  const command = isRoot
    ? [
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mkdir -p /var/lib/containers/cache && mount -t tmpfs -o size=16m tmpfs /var/lib/containers/cache && exec "$@"',
        'sh',
        ...base,
      ]
    : base;
  const started = performance.now();
  await exec(command[0] as string, command.slice(1), {
    env: { ...process.env, XDG_DATA_HOME: path.join(work, 'xdg') },
    maxBuffer: 16 * 1024 * 1024,
  });
  return (performance.now() - started) / 1000;
}
