import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/index.js';
import { ScanScheduler } from '../../src/scan/index.js';
import type { ExternalScanner, ExternalScanState } from '../../src/scan/scanners/external.js';

describe('following an external scan', () => {
  it('lets the queue retry a failed poll, and on the last attempt fails the scan instead of leaving it Running', async () => {
    const abandoned: string[] = [];
    const external = {
      poll: async () => {
        throw new Error('database unavailable');
      },
      abandon: async (_state: ExternalScanState, message: string) => {
        abandoned.push(message);
      },
    } as unknown as ExternalScanner;
    const scheduler = new ScanScheduler({
      external,
      logger: pino({ level: 'silent' }),
      now: Date.now,
      wake: () => undefined,
    } as unknown as ConstructorParameters<typeof ScanScheduler>[0]);
    const state = { pending: [] } as unknown as ExternalScanState;
    const job = (attempts: number): Job => ({ id: 1, kind: 'scan-report', payload: state, attempts });
    await expect(scheduler.reportHandler(state, job(1))).rejects.toThrow('database unavailable');
    expect(abandoned).toEqual([]);
    await scheduler.reportHandler(state, job(5));
    expect(abandoned).toEqual(['following the scan failed: database unavailable']);
  });
});
