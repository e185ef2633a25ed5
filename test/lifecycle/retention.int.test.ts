import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient, errorOf } from '../support/api-client.js';
import { type Descriptor, ociManifest } from '../support/client.js';
import { useBackend } from '../support/matrix.js';
import { until } from '../support/until.js';

interface Execution {
  id: number;
  policy_id: number;
  status: string;
  trigger: string;
  dry_run: boolean;
}
interface Task {
  id: number;
  repository: string;
  status: string;
  total: number;
  retained: number;
}

const selector = (kind: string, decoration: string, pattern: string, extras?: string) => ({
  kind,
  decoration,
  pattern,
  ...(extras ? { extras } : {}),
});

const rule = (
  template: string,
  params: Record<string, number>,
  repository: string,
  tags: ReturnType<typeof selector>[],
) => ({
  disabled: false,
  action: 'retain',
  template,
  params,
  tag_selectors: tags,
  scope_selectors: { repository: [selector('doublestar', 'repoMatches', repository)] },
});

describe.each([
  ['sqlite', 'filesystem'],
  ['postgres', 'filesystem'],
] as const)('tag retention (%s)', (databaseKind, storageKind) => {
  const b = useBackend(databaseKind, storageKind, {}, ['ret']);
  let api: ApiClient;
  let projectId: number;
  let policyId: number;
  const images: Record<string, Descriptor & { body: string }> = {};

  /** Pushes with strictly increasing push times, so that "the latest pushed" is never a tie. */
  async function push(repo: string, tag: string) {
    const before = Date.now();
    await until(1000, async () => Date.now() > before, 'the clock moves');
    images[`${repo}:${tag}`] = await b.client.pushImage(repo, tag, { layers: [randomBytes(64)] });
  }

  const status = async (repo: string, digest: string) =>
    (
      await b.client.request(`/v2/${repo}/manifests/${digest}`, {
        method: 'HEAD',
        headers: { Accept: ociManifest },
      })
    ).status;

  async function execute(dryRun: boolean): Promise<{ execution: Execution; tasks: Task[]; logs: string[] }> {
    const started = await api.call('POST', `/retentions/${policyId}/executions`, { dry_run: dryRun });
    expect(started.status).toBe(201);
    const eid = Number(started.headers.get('location')?.split('/').pop());
    let execution: Execution | undefined;
    await until(
      20_000,
      async () => {
        const list = await api.call<Execution[]>('GET', `/retentions/${policyId}/executions?page_size=50`);
        execution = list.body.find((e) => e.id === eid);
        return execution !== undefined && ['Success', 'Error', 'Stopped'].includes(execution.status);
      },
      'the execution ends',
    );
    const tasks = (await api.call<Task[]>('GET', `/retentions/${policyId}/executions/${eid}/tasks`)).body;
    const logs = await Promise.all(
      tasks.map(
        async (t) =>
          (await api.call<string>('GET', `/retentions/${policyId}/executions/${eid}/tasks/${t.id}`)).body,
      ),
    );
    return { execution: execution as Execution, tasks, logs };
  }

  beforeAll(async () => {
    api = await adminApiClient(b.server.url);
    projectId = (await api.call<{ project_id: number }>('GET', '/projects/ret')).body.project_id;
    for (const tag of ['v1', 'v2', 'v3', 'v4', 'v5', 'dev']) await push('ret/app', tag);
    // An untagged artifact: pushed with a tag, then untagged.
    await push('ret/app', 'gone');
    expect((await b.client.request('/v2/ret/app/manifests/gone', { method: 'DELETE' })).status).toBe(202);
    for (const tag of ['a1', 'a2']) await push('ret/keep', tag);
    await push('ret/other', 'x1');
    // v1 is immutable: retention never deletes it.
    expect(
      (
        await api.call('POST', '/projects/ret/immutabletagrules', {
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v1' }],
          scope_selectors: {
            repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: 'app' }],
          },
        })
      ).status,
    ).toBe(201);
  });

  it("describes Harbor's templates and selectors", async () => {
    const metadata = await api.call<{
      templates: { rule_template: string }[];
      tag_selectors: { kind: string }[];
    }>('GET', '/retentions/metadatas');
    expect(metadata.body.templates.map((t) => t.rule_template)).toEqual([
      'latestPushedK',
      'latestPulledN',
      'nDaysSinceLastPush',
      'nDaysSinceLastPull',
      'always',
    ]);
    expect(metadata.body.tag_selectors.map((t) => t.kind)).toEqual(['doublestar', 'regex', 'label']);
  });

  it('keeps one policy per project, checked as Harbor checks it and more', async () => {
    const policy = {
      algorithm: 'or',
      rules: [
        // The two latest v* tags in app (untagged artifacts not counted in), and everything in keep.
        rule('latestPushedK', { latestPushedK: 2 }, 'app', [
          selector('doublestar', 'matches', 'v*', '{"untagged":false}'),
        ]),
        rule('always', {}, 'keep', [selector('doublestar', 'matches', '**')]),
        // dev by a regular expression.
        rule('always', {}, 'app', [selector('regex', 'matches', 'd[a-z]+', '{"untagged":false}')]),
      ],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: projectId },
    };
    const created = await api.call('POST', '/retentions', policy);
    expect(created.status).toBe(201);
    policyId = Number(created.headers.get('location')?.split('/').pop());
    const project = await api.call<{ metadata: { retention_id?: string } }>('GET', '/projects/ret');
    expect(project.body.metadata.retention_id).toBe(String(policyId));
    const again = await api.call('POST', '/retentions', policy);
    expect(errorOf(again)?.message).toBe(`project ${projectId} already has retention policy ${policyId}`);
    const got = await api.call<{ rules: unknown[] }>('GET', `/retentions/${policyId}`);
    expect(got.body.rules).toHaveLength(3);

    const invalid = async (change: object) =>
      api.call('PUT', `/retentions/${policyId}`, { ...policy, ...change });
    const tooMany = await invalid({
      rules: Array.from({ length: 16 }, (_, i) => rule('always', {}, `r${i}`, [])),
    });
    expect(errorOf(tooMany)?.message).toBe('only 15 rules are allowed at most');
    const twice = await invalid({ rules: [policy.rules[1], policy.rules[1]] });
    expect([twice.status, errorOf(twice)?.message]).toEqual([409, 'rule 1 is conflict with rule 0']);
    expect(errorOf(await invalid({ rules: [rule('latestPushedK', {}, '**', [])] }))?.message).toBe(
      'missing required parameter latestPushedK for rule latestPushedK',
    );
    expect((await invalid({ rules: [rule('nothing', {}, '**', [])] })).status).toBe(400);
    expect(
      (await invalid({ rules: [rule('always', {}, '**', [selector('doublestar', 'repoMatches', 'x')])] }))
        .status,
    ).toBe(400);
    const cron = await invalid({ trigger: { kind: 'Schedule', settings: { cron: '0 0 * * *' } } });
    expect(errorOf(cron)?.message).toMatch(/^invalid cron string for scheduled retention/);
    expect((await api.anonymous().call('GET', `/retentions/${policyId}`)).status).toBe(404);
  });

  it('in a dry run deletes nothing and says what a run would', async () => {
    const { execution, tasks, logs } = await execute(true);
    expect(execution).toMatchObject({ status: 'Success', trigger: 'MANUAL', dry_run: true });
    // other: no rule selects it, so it has no task.
    expect(tasks.map((t) => [t.repository, t.total, t.retained]).sort()).toEqual([
      ['ret/app', 7, 4],
      ['ret/keep', 2, 2],
    ]);
    const appLog = logs[tasks.findIndex((t) => t.repository === 'ret/app')] ?? '';
    expect(appLog).toContain('Dry Run: true');
    expect(appLog).toMatch(
      /\| Digest +\| Tag +\| Kind +\| Labels +\| PushedTime +\| PulledTime +\| CreatedTime +\| Retention +\|/,
    );
    expect(appLog).toMatch(new RegExp(`${images['ret/app:v2']?.digest} \\| v2 .*\\| DEL`));
    expect(appLog).toMatch(new RegExp(`${images['ret/app:v1']?.digest} \\| v1 .*\\| IMMUTABLE`));
    expect(appLog).toMatch(new RegExp(`${images['ret/app:v5']?.digest} \\| v5 .*\\| RETAIN`));
    expect(await status('ret/app', images['ret/app:v2']?.digest as string)).toBe(200);
  });

  it('deletes what no rule retains, in the repositories a rule selects, never an immutable tag', async () => {
    const { execution } = await execute(false);
    expect(execution).toMatchObject({ status: 'Success', dry_run: false });
    const expectations: [string, number][] = [
      ['ret/app:v1', 200],
      ['ret/app:v2', 404],
      ['ret/app:v3', 404],
      ['ret/app:v4', 200],
      ['ret/app:v5', 200],
      ['ret/app:dev', 200],
      ['ret/app:gone', 404],
      ['ret/keep:a1', 200],
      ['ret/keep:a2', 200],
      ['ret/other:x1', 200],
    ];
    for (const [name, code] of expectations) {
      const [repo] = name.split(':');
      expect([name, await status(repo as string, images[name]?.digest as string)]).toEqual([name, code]);
    }
    // Audited as deletions by the policy.
    await until(
      5_000,
      async () =>
        (
          await api.call<{ username: string }[]>('GET', '/audit-logs?q=operation%3Ddelete&page_size=100')
        ).body.filter((r) => r.username === `retention policy ${policyId}`).length === 3,
      'the deletions are audited',
    );
    const list = await api.call<Execution[]>('GET', `/retentions/${policyId}/executions?page=1&page_size=1`);
    expect(list.headers.get('x-total-count')).toBe('2');
    expect(list.body).toHaveLength(1);
    expect(
      (await api.call('PATCH', `/retentions/${policyId}/executions/${execution.id}`, { action: 'go' }))
        .status,
    ).toBe(400);
    expect(
      (await api.call('PATCH', `/retentions/${policyId}/executions/${execution.id}`, { action: 'stop' }))
        .status,
    ).toBe(200);
    expect((await api.call('GET', `/retentions/${policyId}/executions/424242/tasks`)).status).toBe(404);
  });

  it('schedules a policy with a cron and forgets it with the policy', async () => {
    const current = (await api.call<Record<string, unknown>>('GET', `/retentions/${policyId}`)).body;
    const scheduled = { ...current, trigger: { kind: 'Schedule', settings: { cron: '0 0 3 * * *' } } };
    expect((await api.call('PUT', `/retentions/${policyId}`, scheduled)).status).toBe(200);
    expect(
      (await api.call<{ trigger: { settings: { cron: string } } }>('GET', `/retentions/${policyId}`)).body
        .trigger,
    ).toEqual({ kind: 'Schedule', settings: { cron: '0 0 3 * * *' } });
    const schedules = async () =>
      (await b.server.services.retention.schedulesArmed())
        .filter((s) => s.policyId === policyId)
        .map((s) => s.cron);
    expect(await schedules()).toEqual(['0 0 3 * * *']);
    expect((await api.call('DELETE', `/retentions/${policyId}`)).status).toBe(200);
    expect(await schedules()).toEqual([]);
    expect(
      (await api.call<{ metadata: { retention_id?: string } }>('GET', '/projects/ret')).body.metadata
        .retention_id,
    ).toBe(undefined);
    expect((await api.call('GET', `/retentions/${policyId}`)).status).toBe(404);
  });
});
