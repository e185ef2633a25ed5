import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { projectRoot, spawnBerth } from '../support/process.js';
import { tempDir } from '../support/services.js';

const exec = promisify(execFile);

async function berth(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'src/cli/index.ts'), ...args],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('berth admin', () => {
  it('creates users and projects and resets passwords in the configured database', async () => {
    const { dir, remove } = await tempDir('berth-cli-');
    const env = { BERTH_DATA_DIR: dir };
    try {
      const created = await berth(
        ['admin', 'create-user', 'ops', '--password', 'Passw0rd!', '--sysadmin'],
        env,
      );
      expect(created).toMatchObject({ code: 0 });
      expect(created.stdout).toContain('created user ops');
      expect(
        (await berth(['admin', 'create-project', 'tools', '--owner', 'ops', '--public'], env)).stdout,
      ).toContain('created project tools');
      const weak = await berth(['admin', 'reset-password', 'ops', '--password', 'weak'], env);
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('the password must be 8 to 128 characters');
      const generated = await berth(['admin', 'reset-password', 'ops'], env);
      const password = /is now (\S+)/.exec(generated.stdout)?.[1] as string;
      expect(password).toBeDefined();
      expect((await berth(['admin', 'reset-password', 'nobody'], env)).stderr).toContain(
        'no user named nobody',
      );

      const auth = { Authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` };
      const kidOf = (token: string) =>
        (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { kid: string })
          .kid;
      const tokenFrom = async (url: string) =>
        (
          (await (
            await fetch(`${url}/service/token?service=berth-registry&scope=repository:tools/x:pull`, {
              headers: auth,
            })
          ).json()) as { token: string }
        ).token;
      const before = await spawnBerth(env);
      const oldToken = await tokenFrom(before.url);
      before.child.kill('SIGTERM');
      await before.exited;
      expect((await berth(['admin', 'rotate-signing-key'], env)).stdout).toContain('new signing key');

      const server = await spawnBerth(env);
      expect(kidOf(await tokenFrom(server.url))).not.toBe(kidOf(oldToken));
      const withOld = await fetch(`${server.url}/v2/tools/x/tags/list`, {
        headers: { Authorization: `Bearer ${oldToken}` },
      });
      expect(withOld.status).toBe(404);
      const keys = await berth(['admin', 'list-signing-keys'], env);
      expect(keys.stdout.trim().split('\n')).toHaveLength(2);
      expect(keys.stdout).toContain(`${kidOf(oldToken)}  created`);
      const me = await fetch(`${server.url}/api/v2.0/users/current`, { headers: auth });
      expect(((await me.json()) as { sysadmin_flag: boolean }).sysadmin_flag).toBe(true);
      const project = await fetch(`${server.url}/api/v2.0/projects/tools`);
      expect(((await project.json()) as { metadata: { public: string } }).metadata.public).toBe('true');
      server.child.kill('SIGTERM');
      await server.exited;

      // Retiring the older key ends the tokens it signed.
      expect((await berth(['admin', 'retire-signing-keys'], env)).stdout).toContain(
        `retired ${kidOf(oldToken)}`,
      );
      expect((await berth(['admin', 'list-signing-keys'], env)).stdout).toMatch(/retired \d{4}-/);

      // Robot accounts for CI: created with permissions, listed, usable on /v2, deleted.
      const robot = await berth(
        [
          'admin',
          'create-robot',
          'ci',
          '--project',
          'tools',
          '--permission',
          'repository:pull',
          'repository:push',
        ],
        env,
      );
      expect(robot.stdout).toContain('created robot$tools+ci');
      const secret = /secret: (\S+)/.exec(robot.stdout)?.[1] as string;
      expect((await berth(['admin', 'create-robot', 'ci', '--project', 'nosuch'], env)).stderr).toContain(
        'no project named nosuch',
      );
      expect((await berth(['admin', 'create-robot', 'bad', '--permission', 'nonsense'], env)).code).toBe(1);
      const listed = await berth(['admin', 'list-robots'], env);
      expect(listed.stdout).toContain(
        'robot$tools+ci  never expires  tools: repository:pull repository:push',
      );
      const robotId = listed.stdout.split('  ')[0] as string;

      const again = await spawnBerth(env);
      const robotAuth = {
        Authorization: `Basic ${Buffer.from(`robot$tools+ci:${secret}`).toString('base64')}`,
      };
      expect((await fetch(`${again.url}/v2/tools/x/tags/list`, { headers: robotAuth })).status).toBe(404);
      expect((await fetch(`${again.url}/v2/other/x/tags/list`, { headers: robotAuth })).status).toBe(403);
      expect(
        (
          await fetch(`${again.url}/v2/tools/x/tags/list`, {
            headers: { Authorization: `Bearer ${oldToken}` },
          })
        ).status,
      ).toBe(401);
      again.child.kill('SIGTERM');
      await again.exited;
      expect((await berth(['admin', 'delete-robot', robotId], env)).stdout).toContain(
        'deleted robot$tools+ci',
      );
      expect((await berth(['admin', 'delete-robot', '999'], env)).stderr).toContain('no robot with id 999');
    } finally {
      await remove();
    }
    // A dozen commands, each a fresh Node process loading the CLI: minutes on a busy 2-core machine.
  }, 240_000);
});

describe('berth vulndb', () => {
  it('imports OSV archives offline, reports what it holds, and refuses a broken archive by name', async () => {
    const { dir, remove } = await tempDir('berth-cli-vulndb-');
    const env = { BERTH_DATA_DIR: dir };
    const archive = async (folder: string, members: Record<string, string>) => {
      await mkdir(path.join(dir, folder), { recursive: true });
      const zip = new yazl.ZipFile();
      for (const [name, text] of Object.entries(members)) zip.addBuffer(Buffer.from(text), name);
      zip.end();
      const file = path.join(dir, folder, 'all.zip');
      await pipeline(zip.outputStream, createWriteStream(file));
      return file;
    };
    const record = (id: string) =>
      JSON.stringify({
        id,
        modified: '2026-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, versions: ['4.17.20'] }],
      });
    try {
      expect((await berth(['vulndb', 'status'], env)).stdout).toContain(
        'no vulnerability records imported yet',
      );
      const good = await archive('npm', { 'GHSA-1.json': record('GHSA-1'), 'GHSA-2.json': record('GHSA-2') });
      const imported = await berth(['vulndb', 'import', good], env);
      expect(imported).toMatchObject({ code: 0 });
      expect(imported.stdout).toContain('npm: 2 records in all.zip (2 added, 0 updated, 0 unchanged)');
      const bad = await archive('PyPI', { 'PYSEC-1.json': record('PYSEC-1'), 'PYSEC-2.json': '{"id":' });
      const refused = await berth(['vulndb', 'import', bad], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('PYSEC-2.json');
      expect(refused.stderr).toContain('nothing was imported');
      const status = await berth(['vulndb', 'status'], env);
      expect(status.stdout).toMatch(/^npm: 2 records, imported \d{4}-/);
      expect(status.stdout).not.toContain('PyPI');
    } finally {
      await remove();
    }
  });
});

describe('berth admin gc', () => {
  it('collects garbage beside a running server on the same data, and refuses bad workers', async () => {
    const { dir, remove } = await tempDir('berth-cli-gc-');
    const env = { BERTH_DATA_DIR: dir, BERTH_GC_TIME_WINDOW_MINUTES: '0' };
    const server = await spawnBerth(env);
    try {
      const auth = { Authorization: `Basic ${Buffer.from('admin:Admin12345').toString('base64')}` };
      const project = await fetch(`${server.url}/api/v2.0/projects`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ project_name: 'cli' }),
      });
      expect(project.status).toBe(201);
      const data = Buffer.from('a blob no manifest references');
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const pushed = await fetch(`${server.url}/v2/cli/app/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        headers: auth,
        body: data,
      });
      expect(pushed.status).toBe(201);

      const dry = await berth(['admin', 'gc', '--dry-run'], env);
      expect(dry).toMatchObject({ code: 0 });
      expect(dry.stdout).toContain(`blob eligible for deletion: ${digest}`);
      expect(dry.stdout).toMatch(/garbage collection \d+: Success/);
      const head = () => fetch(`${server.url}/v2/cli/app/blobs/${digest}`, { method: 'HEAD', headers: auth });
      expect((await head()).status).toBe(200);

      const run = await berth(['admin', 'gc', '--delete-untagged', '--workers', '2'], env);
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toContain(`delete blob from storage: ${digest}`);
      expect(run.stdout).toContain('1 blobs and 0 manifests are actually deleted');
      expect((await head()).status).toBe(404);
      // The server lists the run the command made.
      const runs = await fetch(`${server.url}/api/v2.0/system/gc`, { headers: auth });
      expect(((await runs.json()) as { job_status: string }[]).map((r) => r.job_status)).toEqual([
        'Success',
        'Success',
      ]);

      const bad = await berth(['admin', 'gc', '--workers', '9'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Workers must be greater than 0 and less than or equal to 5');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await remove();
    }
  });
});

describe('berth CLI', () => {
  it('refuses a bad setting at start, naming it, with exit code 2', async () => {
    const result = await berth(['serve'], { BERTH_PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('BERTH_PORT: expected an integer');
  });

  it('refuses an unusable database URL with a clear message', async () => {
    const result = await berth(['serve'], { BERTH_DATABASE_URL: 'mysql://db/berth', BERTH_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('database url must start with postgres:// or sqlite:');
  });

  it('prints the effective configuration with secrets hidden', async () => {
    const result = await berth(['config', 'check'], {
      BERTH_STORAGE: 's3',
      BERTH_S3_BUCKET: 'b',
      BERTH_S3_SECRET_ACCESS_KEY: 'very-secret',
      BERTH_DATABASE_URL: 'postgres://berth:hunter2@db/berth',
      BERTH_ADMIN_PASSWORD: 'first-admin-secret',
    });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.storage.s3.bucket).toBe('b');
    expect(result.stdout).not.toContain('very-secret');
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toContain('first-admin-secret');
  });

  it('prints the configuration JSON Schema and help for every command', async () => {
    const schema = await berth(['config', 'schema']);
    expect(JSON.parse(schema.stdout).properties.port.default).toBe(5000);
    for (const command of [
      [],
      ['serve'],
      ['config'],
      ['admin'],
      ['admin', 'reset-password'],
      ['admin', 'create-robot'],
      ['vulndb'],
      ['vulndb', 'import'],
    ]) {
      const help = await berth([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: berth');
    }
    const unknown = await berth(['launch']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'launch'");
  });
});
