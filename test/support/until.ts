import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it holds (every 25 ms), failing after `ms`. */
export async function until(ms: number, check: () => Promise<boolean>, what: string): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
}
