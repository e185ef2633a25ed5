/** The scale phase's shape and targets, shared by its seeding, its probes and its report. */

export const targets = { seedPerSecond: 1000, medianMs: 50, maxMs: 200 };
export const timedRequests = 20;
export const warmUps = 2;
export const requestTimeoutMs = 60_000;
/** A metric whose requests together take longer than this stops early (it misses its targets anyway). */
export const metricBudgetMs = 180_000;
export const pushConcurrency = 24;
export const pageSize = 10;

export interface Shape {
  readonly projects: number;
  readonly repositoriesPerProject: number;
  readonly artifactsPerRepository: number;
  readonly bigArtifacts: number;
}

export function shapeOf(factor: number): Shape {
  return {
    projects: Math.max(1, Math.round(100 * factor)),
    repositoriesPerProject: 10,
    artifactsPerRepository: 90,
    bigArtifacts: Math.max(pageSize + 1, Math.round(10_000 * factor)),
  };
}

export const projectName = (p: number) => `p${String(p).padStart(3, '0')}`;
export const bigProject = 'big';
export const bigRepository = `${bigProject}/app`;
export const tagFilter = 'v99';
