import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { testAdminPassword } from './server.js';

const running = new Set<ChildProcess>();

/** Kills every server spawnBerth started that is still running. */
export function reapServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

process.once('exit', reapServers);

export const projectRoot = path.resolve(import.meta.dirname, '../..');

export interface BerthProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Runs `berth serve` from source in a child process and waits until it listens. */
export async function spawnBerth(env: Record<string, string>): Promise<BerthProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'src/cli/index.ts'), 'serve'],
    {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '',
        BERTH_ADMIN_PASSWORD: testAdminPassword,
        BERTH_VULNDB_UPDATE_SCHEDULE: '',
        BERTH_HOST: '127.0.0.1',
        BERTH_PORT: '0',
        BERTH_LOG_LEVEL: 'info',
        BERTH_LOG_REQUESTS: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  // Whatever a test does or fails to do, the server does not outlive its test file (see reap.ts).
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`berth did not start: ${stderr.join('')}`)), 30_000);
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'berth is listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`berth exited before listening: ${stderr.join('')}`));
    });
  });
  return { child, url, exited };
}
