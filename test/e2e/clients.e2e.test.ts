import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReference } from '../../bench/processes.js';
import { writeMultiArchLayout } from '../support/fixtures.js';
import { type BerthProcess, spawnBerth } from '../support/process.js';
import { createProjects, testAdminPassword } from '../support/server.js';
import { tempDir } from '../support/services.js';

const exec = promisify(execFile);

/** Where podman login stores credentials; skopeo, buildah and podman all read it (REGISTRY_AUTH_FILE). */
let authFile = '';

/** Runs a client program; a failure reports its output. */
async function run(program: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await exec(program, args, {
      env: { ...process.env, REGISTRY_AUTH_FILE: authFile, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

async function blobsOf(layout: string): Promise<Record<string, string>> {
  const dir = path.join(layout, 'blobs', 'sha256');
  const result: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    result[name] = createHash('sha256')
      .update(await readFile(path.join(dir, name)))
      .digest('hex');
  }
  return result;
}

interface Outcome {
  indexRaw: string;
  pulledBlobs: Record<string, string>;
  tags: string[];
  builtDigest: string;
  podmanPulled: string;
  podmanPushedRaw: string;
  ctrPulled: string;
  afterDelete: string;
}

/**
 * The same client steps against Berth and against Debian's docker-registry (Distribution 2.8): the
 * results must be the same, byte for byte.
 */
describe('real clients against Berth, compared with Distribution 2.8', () => {
  let work: { dir: string; remove: () => Promise<void> };
  let berth: BerthProcess;
  let reference: Awaited<ReturnType<typeof startReference>>;
  let fixture: Awaited<ReturnType<typeof writeMultiArchLayout>>;
  let storageFlags: string[];
  let policy: string;
  let containerd: { stop: () => Promise<void>; socket: string };
  const outcomes: Record<string, Outcome> = {};

  beforeAll(async () => {
    for (const program of ['skopeo', 'buildah', 'podman', 'docker-registry', 'containerd', 'ctr']) {
      await run('sh', ['-c', `command -v ${program}`]).catch(() => {
        throw new Error(`${program} is not installed: run scripts/test-deps.sh as root`);
      });
    }
    work = await tempDir('berth-e2e-');
    authFile = path.join(work.dir, 'auth.json');
    await writeFile(authFile, '{"auths":{}}');
    berth = await spawnBerth({ BERTH_DATA_DIR: path.join(work.dir, 'berth') });
    await createProjects(berth.url, ['e2e']);
    reference = await startReference(path.join(work.dir, 'reference'));
    fixture = await writeMultiArchLayout(path.join(work.dir, 'fixture'), 'multi', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    policy = path.join(work.dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    storageFlags = [
      '--root',
      path.join(work.dir, 'buildah'),
      '--runroot',
      path.join(work.dir, 'buildah-run'),
      '--storage-driver',
      'vfs',
    ];
    // One local image, committed once, so that both registries receive the same bytes.
    const container = (await run('buildah', [...storageFlags, 'from', 'scratch'])).trim();
    await writeFile(path.join(work.dir, 'hello.txt'), 'hello from buildah\n');
    await run('buildah', [
      ...storageFlags,
      'copy',
      container,
      path.join(work.dir, 'hello.txt'),
      '/hello.txt',
    ]);
    await run('buildah', [...storageFlags, 'config', '--cmd', '/hello', container]);
    await run('buildah', [...storageFlags, 'commit', '--quiet', container, 'e2e-built']);
    containerd = await startContainerd(path.join(work.dir, 'containerd'));
  }, 180_000);

  afterAll(async () => {
    await containerd?.stop();
    if (berth) {
      berth.child.kill('SIGTERM');
      expect(await berth.exited).toBe(0);
    }
    await reference?.stop();
    await run('sh', ['-c', `chmod -R u+w ${work.dir} 2>/dev/null; true`]);
    await work?.remove();
  });

  async function startContainerd(dir: string) {
    const socket = path.join(dir, 'containerd.sock');
    const config = path.join(work.dir, 'containerd.toml');
    await writeFile(
      config,
      `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${socket}"\n[plugins."io.containerd.grpc.v1.cri"]\n  disable = true\n`,
    );
    const { spawn } = await import('node:child_process');
    const child = spawn('containerd', ['--config', config], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (
        await run('ctr', ['--address', socket, 'version']).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      socket,
      stop: async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      },
    };
  }

  async function exercise(name: string, host: string): Promise<Outcome> {
    // podman login goes through /v2/'s challenge and the token service; the others reuse what it stored.
    await run('podman', [
      'login',
      '--tls-verify=false',
      '--authfile',
      authFile,
      '-u',
      'admin',
      '-p',
      testAdminPassword,
      host,
    ]);
    const skopeo = ['--insecure-policy'];
    const image = `docker://${host}/e2e/multi:v1`;
    await run('skopeo', [
      ...skopeo,
      'copy',
      '--all',
      '--dest-tls-verify=false',
      `oci:${path.join(work.dir, 'fixture')}:multi`,
      image,
    ]);
    const indexRaw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', image]);
    const out = path.join(work.dir, `pulled-${name}`);
    await run('skopeo', [...skopeo, 'copy', '--all', '--src-tls-verify=false', image, `oci:${out}:multi`]);
    const pulledBlobs = await blobsOf(out);
    await run('skopeo', [
      ...skopeo,
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      image,
      `docker://${host}/e2e/multi:v2`,
    ]);
    const tags = (
      JSON.parse(await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/e2e/multi`])) as {
        Tags: string[];
      }
    ).Tags;

    const digestFile = path.join(work.dir, `digest-${name}`);
    const built = `docker://${host}/e2e/built:v1`;
    await run('buildah', [
      ...storageFlags,
      'push',
      '--signature-policy',
      policy,
      '--tls-verify=false',
      '--digestfile',
      digestFile,
      'e2e-built',
      built,
    ]);
    const builtDigest = (await readFile(digestFile, 'utf8')).trim();

    const podman = [
      '--root',
      path.join(work.dir, `podman-${name}`),
      '--runroot',
      path.join(work.dir, `podman-run-${name}`),
      '--storage-driver',
      'vfs',
    ];
    await run('podman', [
      ...podman,
      'pull',
      '--signature-policy',
      policy,
      '--tls-verify=false',
      `${host}/e2e/built:v1`,
    ]);
    const podmanPulled = (
      await run('podman', [...podman, 'image', 'inspect', '--format', '{{.Digest}}', `${host}/e2e/built:v1`])
    ).trim();
    await run('podman', [
      ...podman,
      'push',
      '--signature-policy',
      policy,
      '--tls-verify=false',
      `${host}/e2e/built:v1`,
      `${host}/e2e/podman:v1`,
    ]);
    const podmanPushedRaw = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${host}/e2e/podman:v1`,
    ]);

    const ctr = ['--address', containerd.socket, '--namespace', name];
    const ctrUser = ['--user', `admin:${testAdminPassword}`];
    await run('ctr', [
      ...ctr,
      'images',
      'pull',
      ...ctrUser,
      '--plain-http',
      '--all-platforms',
      `${host}/e2e/multi:v1`,
    ]);
    const listed = await run('ctr', [...ctr, 'images', 'ls', '--quiet']);
    await run('ctr', [
      ...ctr,
      'images',
      'push',
      ...ctrUser,
      '--plain-http',
      `${host}/e2e/ctr:pushed`,
      `${host}/e2e/multi:v1`,
    ]);
    const ctrPushed = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${host}/e2e/ctr:pushed`,
    ]);
    expect(ctrPushed).toBe(indexRaw);

    await run('skopeo', [...skopeo, 'delete', '--tls-verify=false', `docker://${host}/e2e/podman:v1`]);
    const afterDelete = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${host}/e2e/podman:v1`,
    ]).catch((error: Error) =>
      /manifest unknown/i.test(error.message) ? 'manifest unknown' : `unexpected: ${error.message}`,
    );
    return {
      indexRaw,
      pulledBlobs,
      tags,
      builtDigest,
      podmanPulled,
      podmanPushedRaw,
      ctrPulled: listed.trim(),
      afterDelete,
    };
  }

  it('skopeo, buildah, podman and ctr work against Distribution 2.8 (the reference run)', async () => {
    outcomes.reference = await exercise('reference', reference.host);
  }, 300_000);

  it('skopeo, buildah, podman and ctr work against Berth, with the same results', async () => {
    const outcome = await exercise('berth', new URL(berth.url).host);
    outcomes.berth = outcome;
    // Multi-arch index pushed with --all and pulled back byte-identical.
    expect(JSON.parse(outcome.indexRaw)).toEqual(
      JSON.parse(
        await readFile(
          path.join(work.dir, 'fixture', 'blobs', 'sha256', fixture.indexDigest.slice(7)),
          'utf8',
        ),
      ),
    );
    const expectedBlobs = await blobsOf(path.join(work.dir, 'fixture'));
    expect(outcome.pulledBlobs).toEqual(expectedBlobs);
    expect(outcome.tags.sort()).toEqual(['v1', 'v2']);
    expect(outcome.podmanPulled).toBe(outcome.builtDigest);
    expect(outcome.ctrPulled).toContain('e2e/multi:v1');
    expect(outcome.afterDelete).toBe('manifest unknown');
    // Unlike Distribution, Berth refuses to delete a platform manifest that an index still lists
    // (tag v2 points at the amd64 child): the multi-arch image stays whole.
    const refused = await run('skopeo', [
      '--insecure-policy',
      'delete',
      '--tls-verify=false',
      `docker://${new URL(berth.url).host}/e2e/multi:v2`,
    ]).catch((error: Error) => error.message);
    expect(refused).toMatch(/DENIED.*part of index/);
    const reference = outcomes.reference as Outcome;
    expect(outcome).toEqual({
      ...reference,
      ctrPulled: reference.ctrPulled.replaceAll(
        reference.ctrPulled.split('/')[0] as string,
        new URL(berth.url).host,
      ),
    });
  }, 300_000);

  it('a CI script pushes and pulls with a robot account; private projects stay closed, public ones open', async () => {
    const host = new URL(berth.url).host;
    const adminAuth = `Basic ${Buffer.from(`admin:${testAdminPassword}`).toString('base64')}`;
    const api = (method: string, apiPath: string, body?: unknown) =>
      fetch(`${berth.url}/api/v2.0${apiPath}`, {
        method,
        headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    await createProjects(berth.url, ['ci']);
    await createProjects(berth.url, ['shared'], true);
    const created = await api('POST', '/robots', {
      name: 'builder',
      duration: 30,
      level: 'project',
      permissions: [
        {
          kind: 'project',
          namespace: 'ci',
          access: [
            { resource: 'repository', action: 'pull' },
            { resource: 'repository', action: 'push' },
          ],
        },
      ],
    });
    expect(created.status).toBe(201);
    const robot = (await created.json()) as { id: number; name: string; secret: string };
    expect(robot.name).toBe('robot$ci+builder');

    // The pipeline, as a CI system would run it: credentials from the environment, no login state.
    const script = path.join(work.dir, 'pipeline.sh');
    await writeFile(
      script,
      [
        'set -euo pipefail',
        'creds="$ROBOT_NAME:$ROBOT_SECRET"',
        'skopeo --insecure-policy copy --all --dest-tls-verify=false --dest-creds "$creds" "oci:$FIXTURE:multi" "docker://$REGISTRY/ci/app:$BUILD" >&2',
        'buildah --root "$BUILDAH_ROOT" --runroot "$BUILDAH_RUN" --storage-driver vfs push --signature-policy "$POLICY" --tls-verify=false --creds "$creds" e2e-built "docker://$REGISTRY/ci/built:$BUILD" >&2',
        'podman --root "$PODMAN_ROOT" --runroot "$PODMAN_RUN" --storage-driver vfs pull --signature-policy "$POLICY" --tls-verify=false --creds "$creds" "$REGISTRY/ci/built:$BUILD" >&2',
        'skopeo inspect --raw --tls-verify=false --creds "$creds" "docker://$REGISTRY/ci/app:$BUILD" | sha256sum | cut -d" " -f1',
      ].join('\n'),
    );
    const env = {
      REGISTRY_AUTH_FILE: path.join(work.dir, 'no-auth.json'),
      REGISTRY: host,
      ROBOT_NAME: robot.name,
      ROBOT_SECRET: robot.secret,
      BUILD: '42',
      FIXTURE: path.join(work.dir, 'fixture'),
      POLICY: policy,
      BUILDAH_ROOT: path.join(work.dir, 'buildah'),
      BUILDAH_RUN: path.join(work.dir, 'buildah-run'),
      PODMAN_ROOT: path.join(work.dir, 'podman-ci'),
      PODMAN_RUN: path.join(work.dir, 'podman-ci-run'),
    };
    await writeFile(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const indexSha = (await run('bash', [script], env)).trim();
    expect(`sha256:${indexSha}`).toBe(fixture.indexDigest);

    const inspect = (image: string, creds: string[]) =>
      run(
        'skopeo',
        ['inspect', '--raw', '--tls-verify=false', ...creds, `docker://${host}/${image}`],
        env,
      ).then(
        () => 'ok',
        (error: Error) => error.message,
      );
    const robotCreds = ['--creds', `${robot.name}:${robot.secret}`];
    // Pushing where the robot has no permission is denied; anonymous callers cannot read the private project.
    const denied = await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--all',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${robot.name}:${robot.secret}`,
        `oci:${env.FIXTURE}:multi`,
        `docker://${host}/shared/app:1`,
      ],
      env,
    ).catch((error: Error) => error.message);
    expect(denied).toMatch(/denied|unauthorized|authentication required/i);
    expect(await inspect('ci/app:42', ['--no-creds'])).toMatch(
      /unauthorized|authentication required|denied/i,
    );
    // The public project is readable by anyone once something is in it.
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--all',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        ...['--src-creds', `${robot.name}:${robot.secret}`, '--dest-creds', `admin:${testAdminPassword}`],
        `docker://${host}/ci/app:42`,
        `docker://${host}/shared/app:1`,
      ],
      env,
    );
    expect(await inspect('shared/app:1', ['--no-creds'])).toBe('ok');

    // Disabling the robot ends its access at once (the credential cache is dropped on changes).
    expect((await api('PUT', `/robots/${robot.id}`, { disable: true })).status).toBe(200);
    expect(await inspect('ci/app:42', robotCreds)).toMatch(/unauthorized|authentication required|invalid/i);
  }, 300_000);
});
