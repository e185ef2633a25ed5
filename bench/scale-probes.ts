/** The scale phase's timed requests, each answer checked. */
import { type Answer, type Client, json, type RegistryTokens } from './scale-http.js';
import {
  bigProject,
  bigRepository,
  metricBudgetMs,
  pageSize,
  projectName,
  type Shape,
  tagFilter,
  timedRequests,
  warmUps,
} from './scale-shape.js';

// ---------------------------------------------------------------------------------------------------
// The timed requests.

interface Probe {
  readonly metric: string;
  readonly target: string;
  readonly auth: () => Promise<string>;
  /** What is wrong with a 200 answer, if anything. */
  readonly check: (answer: Answer) => string | undefined;
}

export interface Timing {
  readonly metric: string;
  readonly samples: readonly number[];
  readonly failure?: string;
}

const totalCount = (a: Answer) => Number(a.headers['x-total-count']);

function expectItems(a: Answer, items: number, total?: number): string | undefined {
  const list = json<unknown[]>(a);
  if (!Array.isArray(list) || list.length !== items) return `${list.length} items, expected ${items}`;
  if (total !== undefined && totalCount(a) !== total)
    return `X-Total-Count ${a.headers['x-total-count']}, expected ${total}`;
  return undefined;
}

function checked(probe: Probe, answer: Answer): string | undefined {
  try {
    return probe.check(answer);
  } catch (error) {
    return `unexpected answer (${(error as Error).message}): ${answer.body.toString().slice(0, 200)}`;
  }
}

export async function time(client: Client, probe: Probe): Promise<Timing> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < warmUps + timedRequests; i++) {
    let answer: Answer;
    try {
      answer = await client.send('GET', probe.target, { headers: { Authorization: await probe.auth() } });
    } catch (error) {
      return { metric: probe.metric, samples, failure: (error as Error).message };
    }
    const problem =
      answer.status === 200
        ? checked(probe, answer)
        : `answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`;
    if (problem) return { metric: probe.metric, samples, failure: problem };
    if (i >= warmUps) samples.push(answer.ms);
    if (samples.length > 0 && performance.now() - started > metricBudgetMs) break;
  }
  return { metric: probe.metric, samples };
}

/** After an abandoned request, waits until Berth answers again, so the next metric is not timed behind it. */
export async function settle(client: Client): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      if ((await client.send('GET', '/v2/')).status < 500) return;
    } catch {
      // still busy
    }
  }
}

/** Harbor's clients encode q twice (`q=tags%3D%257Ev99`); which form does Berth read? */
export async function tagFilterTarget(
  client: Client,
  base: string,
  session: string,
  expected: number,
): Promise<{ target: string; note: string }> {
  const harbor = `${base}?q=tags%3D%257E${tagFilter}&page=1&page_size=${pageSize}&with_tag=true`;
  const single = `${base}?q=tags%3D~${tagFilter}&page=1&page_size=${pageSize}&with_tag=true`;
  const count = async (target: string) => {
    const answer = await client.send('GET', target, { headers: { Authorization: session } });
    return answer.status === 200 ? matches(totalCount(answer)) : `status ${answer.status}`;
  };
  const harborAnswer = await count(harbor).catch((error: Error) => error.message);
  if (harborAnswer === matches(expected))
    return { target: harbor, note: `Harbor's double-encoded q (tags%3D%257E${tagFilter}) works` };
  const singleAnswer = await count(single).catch((error: Error) => error.message);
  return {
    target: single,
    note:
      `Harbor's double-encoded q (tags%3D%257E${tagFilter}) gave ${harborAnswer}, expected ${expected}; ` +
      `timed the single-encoded tags%3D~${tagFilter} instead (${singleAnswer})`,
  };
}

export function probes(
  shape: Shape,
  session: string,
  tokens: RegistryTokens,
  tagFilterPath: string,
): Probe[] {
  const api = async () => session;
  const repositoryCount = shape.projects * shape.repositoriesPerProject + 1;
  const artifacts = `/api/v2.0/projects/${bigProject}/repositories/app/artifacts`;
  const lastPage = Math.ceil(shape.bigArtifacts / pageSize);
  const matching = tagsMatching(shape.bigArtifacts);
  const tagged = (a: Answer) =>
    json<{ tags?: { name: string }[] | null }[]>(a).every((artifact) => (artifact.tags?.length ?? 0) > 0)
      ? undefined
      : 'an artifact came without its tag';
  const searchText = 'p00';
  const searchProjects = Math.min(10, shape.projects);
  return [
    {
      metric: 'project list',
      target: `/api/v2.0/projects?page=1&page_size=${pageSize}`,
      auth: api,
      // Besides the seeded ones, the projects Berth and the bench start with (library, bench).
      check: (a) =>
        totalCount(a) >= shape.projects + 1
          ? expectItems(a, Math.min(pageSize, totalCount(a)))
          : `X-Total-Count ${totalCount(a)}, expected at least ${shape.projects + 1}`,
    },
    {
      metric: 'repositories of a project',
      target: `/api/v2.0/projects/${projectName(0)}/repositories?page_size=${pageSize}`,
      auth: api,
      check: (a) => expectItems(a, shape.repositoriesPerProject, shape.repositoriesPerProject),
    },
    {
      metric: `artifacts, page 1 (${shape.bigArtifacts.toLocaleString('en')} in the repository)`,
      target: `${artifacts}?page=1&page_size=${pageSize}&with_tag=true&with_scan_overview=true`,
      auth: api,
      check: (a) => expectItems(a, pageSize, shape.bigArtifacts) ?? tagged(a),
    },
    {
      metric: `artifacts, last page (${lastPage})`,
      target: `${artifacts}?page=${lastPage}&page_size=${pageSize}&with_tag=true&with_scan_overview=true`,
      auth: api,
      check: (a) =>
        expectItems(a, shape.bigArtifacts - (lastPage - 1) * pageSize, shape.bigArtifacts) ?? tagged(a),
    },
    {
      metric: `artifacts, tag filter tags=~${tagFilter} (${matches(matching)})`,
      target: tagFilterPath,
      auth: api,
      check: (a) =>
        expectItems(a, Math.min(pageSize, matching), matching) ??
        (json<{ tags?: { name: string }[] | null }[]>(a).every((x) =>
          x.tags?.some((t) => t.name.includes(tagFilter)),
        )
          ? undefined
          : `an artifact without a tag matching ${tagFilter}`),
    },
    {
      metric: '/v2 tags list, n=1000',
      target: `/v2/${bigRepository}/tags/list?n=1000`,
      auth: () => tokens.header([`repository:${bigRepository}:pull`]),
      check: (a) => {
        const tags = json<{ tags: string[] }>(a).tags;
        const expected = Math.min(1000, shape.bigArtifacts);
        return tags.length === expected ? undefined : `${tags.length} tags, expected ${expected}`;
      },
    },
    {
      metric: '/v2/_catalog, n=1000',
      target: '/v2/_catalog?n=1000',
      auth: () => tokens.header(['registry:catalog:*']),
      check: (a) => {
        const repositories = json<{ repositories: string[] }>(a).repositories;
        const expected = Math.min(1000, repositoryCount);
        return repositories.length === expected
          ? undefined
          : `${repositories.length} repositories, expected ${expected}`;
      },
    },
    {
      metric: `search q=${searchText}`,
      target: `/api/v2.0/search?q=${searchText}`,
      auth: api,
      check: (a) => {
        const found = json<{ project: unknown[]; repository: unknown[] }>(a);
        const repositories = Math.min(100, searchProjects * shape.repositoriesPerProject);
        return found.project.length === searchProjects && found.repository.length === repositories
          ? undefined
          : `${found.project.length} projects and ${found.repository.length} repositories, expected ${searchProjects} and ${repositories}`;
      },
    },
    {
      metric: 'statistics',
      target: '/api/v2.0/statistics',
      auth: api,
      check: (a) => {
        const s = json<{ total_project_count: number; total_repo_count: number }>(a);
        return s.total_project_count >= shape.projects + 1 && s.total_repo_count === repositoryCount
          ? undefined
          : `${s.total_project_count} projects and ${s.total_repo_count} repositories`;
      },
    },
    {
      metric: 'project summary',
      target: `/api/v2.0/projects/${projectName(0)}/summary`,
      auth: api,
      check: (a) => {
        const count = json<{ repo_count: number }>(a).repo_count;
        return count === shape.repositoriesPerProject ? undefined : `repo_count ${count}`;
      },
    },
    {
      metric: 'audit log, page 1',
      target: `/api/v2.0/audit-logs?page=1&page_size=${pageSize}`,
      auth: api,
      check: (a) =>
        expectItems(a, pageSize) ??
        (totalCount(a) >= shape.bigArtifacts ? undefined : `X-Total-Count ${totalCount(a)}`),
    },
  ];
}

const matches = (n: number) => `${n} ${n === 1 ? 'match' : 'matches'}`;

/** How many of the tags v0…v<count-1> contain the filter text. */
export function tagsMatching(count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (`v${i}`.includes(tagFilter)) n++;
  return n;
}
