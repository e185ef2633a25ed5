import { deleteArtifactTree } from '../../domain/artifact/index.js';
import type { CacheSignals } from '../../domain/cache-signals.js';
import type { ServiceContext } from '../../domain/context.js';
import type { EventSink } from '../../domain/events.js';
import type { ImmutableRules } from '../../domain/immutable/index.js';
import type { ProjectService } from '../../domain/project/index.js';
import { type JobQueue, RunLog, Schedules, SystemJob, SystemRuns } from '../../jobs/index.js';
import { BerthError, isBerthError } from '../../lib/errors.js';
import type { Candidate, RetentionParameters, RetentionPolicy, RetentionRun } from './retention.model.js';
import * as repo from './retention.repo.js';
import { assertPolicy, retained, selectsRepository } from './retention.rules.js';

export const retentionVendor = 'RETENTION';
export const retentionJob = 'retention';
/** A policy's schedule is stored under its own vendor type. */
const scheduleVendor = (policyId: number) => `${retentionVendor}:${policyId}`;

const time = (ms: number) => (ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');

/**
 * Harbor's tag retention: one policy per project (named by its `retention_id` metadata), run by
 * schedule or on request (with a dry run), one task per repository a rule selects, through the job
 * queue. In each such repository every top-level artifact that no rule retains is deleted with what
 * exists only for it (accessories, unkept children), unless an immutable tag is on it; a dry run
 * deletes nothing. Each task logs Harbor's table of what was retained and deleted and why.
 */
export class RetentionService extends SystemJob<RetentionParameters, Record<string, never>> {
  private readonly schedules = new Map<number, Schedules>();
  private started = false;

  constructor(
    ctx: ServiceContext,
    private readonly retention: {
      readonly queue: JobQueue;
      readonly wake: () => void;
      readonly readOnly?: () => boolean;
      readonly signals: CacheSignals;
      readonly projects: ProjectService;
      readonly immutable: ImmutableRules;
      readonly events: EventSink;
    },
  ) {
    super(ctx, retention, {
      vendor: retentionVendor,
      job: retentionJob,
      keep: 50,
      notFound: (id) => `retention execution ${id} not found`,
    });
    this.taskLogs = new SystemRuns(ctx.db, 'RETENTION_TASK', Number.MAX_SAFE_INTEGER);
  }

  private readonly taskLogs: SystemRuns<unknown, unknown>;

  async getPolicy(id: number): Promise<RetentionPolicy> {
    const policy = await repo.policyById(this.ctx.db, id);
    if (!policy) throw new BerthError('NOT_FOUND', `no such Retention policy with id ${id}`);
    return policy;
  }

  /** Adds the project's policy (one per project: its `retention_id` metadata names it). */
  async create(policy: Omit<RetentionPolicy, 'id'>): Promise<number> {
    assertPolicy(policy);
    const project = policy.scope.ref > 0 ? await this.retention.projects.find(policy.scope.ref) : undefined;
    if (!project) throw new BerthError('INVALID_INPUT', `invalid Project id ${policy.scope.ref}`);
    const existing = await repo.policyOfProject(this.ctx.db, project.id);
    if (existing !== undefined)
      throw new BerthError('INVALID_INPUT', `project ${project.id} already has retention policy ${existing}`);
    const id = await repo.insertPolicy(this.ctx.db, policy, this.ctx.now());
    if (id === undefined)
      throw new BerthError('INVALID_INPUT', `project ${project.id} already has retention policy`);
    await this.retention.projects.updateMetadata(project, { retention_id: String(id) });
    await this.schedule(id, policy);
    return id;
  }

  async update(id: number, policy: Omit<RetentionPolicy, 'id'>): Promise<void> {
    const current = await this.getPolicy(id);
    assertPolicy(policy);
    if (policy.scope.ref !== current.scope.ref)
      throw new BerthError('INVALID_INPUT', 'a retention policy stays with its project');
    await repo.updatePolicy(this.ctx.db, id, policy, this.ctx.now());
    await this.schedule(id, policy);
  }

  /** Removes the policy with its executions and schedule, and the project's `retention_id`. */
  async delete(id: number): Promise<void> {
    const policy = await this.getPolicy(id);
    await this.schedule(id, undefined);
    await repo.deletePolicy(this.ctx.db, id);
    const project = await this.retention.projects.find(policy.scope.ref);
    if (project?.metadata.retention_id === String(id))
      await this.retention.projects.deleteMetadata(project, 'retention_id');
  }

  /** Starts an execution now (a dry run deletes nothing); answers its id. */
  async runNow(policyId: number, dryRun: boolean): Promise<number> {
    await this.getPolicy(policyId);
    return this.start({ policyId, dryRun });
  }

  /** Runs the execution; whatever fails outside a task ends it as Error, never left Running. */
  protected async execute(run: RetentionRun): Promise<void> {
    try {
      await this.run(run);
    } catch (error) {
      this.ctx.logger.error(
        { module: 'retention', execution: run.id, err: error },
        'retention execution failed',
      );
      await this.runs.setStatus(run.id, 'Error', this.ctx.now()).catch(() => undefined);
    }
  }

  executions(policyId: number, page: { offset: number; limit: number }) {
    return this.list({ ...page, refId: policyId });
  }

  /** The execution, if it is one of the policy's (else NOT_FOUND, as Harbor). */
  async executionOf(policyId: number, executionId: number): Promise<RetentionRun> {
    const run = await this.runs.get(executionId);
    if (!run || run.refId !== policyId)
      throw new BerthError('NOT_FOUND', `policy: ${policyId}, execution id ${executionId} not found`);
    return run;
  }

  tasks(executionId: number, page: { offset: number; limit: number }) {
    return repo.tasksOf(this.ctx.db, executionId, page);
  }

  async taskLog(executionId: number, taskId: number): Promise<string> {
    const { items } = await repo.tasksOf(this.ctx.db, executionId, { offset: 0, limit: 100_000 });
    if (!items.some((t) => t.id === taskId))
      throw new BerthError('NOT_FOUND', `task ${taskId} of execution ${executionId} not found`);
    return this.taskLogs.log(taskId);
  }

  protected override refOf(parameters: RetentionParameters): number {
    return parameters.policyId;
  }

  protected fromSchedule(stored: Readonly<Record<string, unknown>>): RetentionParameters {
    return { policyId: Number(stored.policy_id), dryRun: false };
  }

  // --- schedules: one per policy with a cron, followed by every replica

  private async schedule(policyId: number, policy: Omit<RetentionPolicy, 'id'> | undefined): Promise<void> {
    const timer = this.timerOf(policyId);
    const cron = policy?.trigger.settings.cron;
    if (cron) await timer.set('Custom', cron, { policy_id: policyId });
    else await timer.remove();
  }

  private timerOf(policyId: number): Schedules {
    let timer = this.schedules.get(policyId);
    if (!timer) {
      timer = new Schedules(
        this.ctx,
        { vendor: scheduleVendor(policyId), label: 'retention', job: retentionJob },
        this.retention,
      );
      this.schedules.set(policyId, timer);
      if (this.started) void timer.start();
    }
    return timer;
  }

  /** Arms the timers of every policy with a schedule, and follows policies made elsewhere. */
  async startSchedules(): Promise<void> {
    this.started = true;
    this.retention.signals.on('schedules', () => void this.syncSchedules());
    await this.syncSchedules();
  }

  /** The policies whose timer this process has armed, with their cron. */
  schedulesArmed(): { policyId: number; cron: string }[] {
    return [...this.schedules]
      .filter(([, timer]) => timer.armedCron !== undefined)
      .map(([policyId, timer]) => ({ policyId, cron: timer.armedCron as string }));
  }

  stopSchedules(): void {
    this.started = false;
    for (const timer of this.schedules.values()) timer.stop();
  }

  private async syncSchedules(): Promise<void> {
    if (!this.started) return;
    const rows = await this.ctx.db
      .selectFrom('schedules')
      .select('vendor_type')
      .where('vendor_type', 'like', `${retentionVendor}:%`)
      .execute();
    for (const row of rows) {
      const id = Number(row.vendor_type.slice(retentionVendor.length + 1));
      if (Number.isInteger(id)) await this.timerOf(id).start();
    }
  }

  // --- running

  private async run(execution: RetentionRun): Promise<void> {
    const { policyId, dryRun } = execution.parameters;
    await this.runs.setStatus(execution.id, 'Running', this.ctx.now());
    const policy = await repo.policyById(this.ctx.db, policyId);
    if (!policy) {
      await this.runs.setStatus(execution.id, 'Error', this.ctx.now());
      return;
    }
    const project = await this.retention.projects.find(policy.scope.ref);
    const rules = policy.rules.filter((r) => !r.disabled);
    let failed = false;
    for (const repository of project ? await repo.repositoriesOf(this.ctx.db, project.id) : []) {
      const name = repository.name.slice(repository.name.indexOf('/') + 1);
      const selecting = rules.filter((r) => selectsRepository(r, name));
      if (selecting.length === 0) continue;
      if ((await this.runs.get(execution.id))?.stoppedAt) {
        await this.runs.setStatus(execution.id, 'Stopped', this.ctx.now());
        return;
      }
      const taskId = await repo.insertTask(this.ctx.db, execution.id, repository.name, this.ctx.now());
      const log = await RunLog.open(this.taskLogs, taskId, this.ctx.now);
      try {
        const outcome = await this.task(repository, selecting, dryRun, log, policyId);
        await repo.finishTask(this.ctx.db, taskId, { status: 'Success', ...outcome }, this.ctx.now());
      } catch (error) {
        failed = true;
        log.line(`retention failed: ${error instanceof Error ? error.message : String(error)}`);
        await repo.finishTask(
          this.ctx.db,
          taskId,
          { status: 'Error', total: 0, retained: 0 },
          this.ctx.now(),
        );
      }
      await log.flush();
    }
    await this.runs.setStatus(execution.id, failed ? 'Error' : 'Success', this.ctx.now());
  }

  /** One repository: what the rules retain stays; the rest goes (unless immutable, or a dry run). */
  private async task(
    repository: { id: number; name: string },
    rules: RetentionPolicy['rules'],
    dryRun: boolean,
    log: RunLog,
    policyId: number,
  ): Promise<{ total: number; retained: number }> {
    log.line(
      `Run retention process.\n Repository: ${repository.name} \n Rule Algorithm: or \n Dry Run: ${dryRun}`,
    );
    const candidates = await repo.candidatesOf(this.ctx.db, repository.id);
    log.line(`Load ${candidates.length} candidates from repository ${repository.name}`);
    const kept = retained(rules, candidates, this.ctx.now());
    const immutable = await this.retention.immutable.matcher(repository.name);
    const guard = await this.retention.immutable.deletionGuard(repository.name);
    const outcomes = new Map<number, string>();
    let deleted = 0;
    for (const c of candidates) {
      if (kept.has(c.id)) {
        outcomes.set(c.id, 'RETAIN');
        continue;
      }
      if (c.tags.some((t) => immutable(t) !== undefined)) {
        outcomes.set(c.id, 'IMMUTABLE');
        continue;
      }
      if (dryRun) {
        outcomes.set(c.id, 'DEL');
        deleted++;
        continue;
      }
      try {
        await this.ctx.db.transaction().execute((tx) =>
          deleteArtifactTree(tx, repository.id, c.digest, {
            touchAt: this.ctx.now(),
            assertDeletable: guard,
            dialect: this.ctx.dialect,
          }),
        );
        outcomes.set(c.id, 'DEL');
        deleted++;
        this.retention.events({
          operation: 'delete',
          resourceType: 'artifact',
          resource: `${repository.name}@${c.digest}`,
          operator: `retention policy ${policyId}`,
          success: true,
          projectName: repository.name.split('/')[0],
          description: 'deleted by tag retention',
          time: this.ctx.now(),
        });
      } catch (error) {
        outcomes.set(c.id, isBerthError(error) && error.code === 'PRECONDITION_FAILED' ? 'IMMUTABLE' : 'ERR');
        log.line(
          `Retention error for artifact ${repository.name}:${c.digest} : ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    log.line(`\n${table(candidates, outcomes)}`);
    return { total: candidates.length, retained: candidates.length - deleted };
  }
}

/** Harbor's task log table of the candidates and what became of each. */
function table(candidates: readonly Candidate[], outcomes: ReadonlyMap<number, string>): string {
  const header = ['Digest', 'Tag', 'Kind', 'Labels', 'PushedTime', 'PulledTime', 'CreatedTime', 'Retention'];
  const rows = candidates.map((c) => [
    c.digest,
    c.tags.join(','),
    'image',
    c.labels.join(','),
    time(c.pushedTime),
    time(c.pulledTime),
    time(c.createdTime),
    outcomes.get(c.id) ?? 'RETAIN',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
