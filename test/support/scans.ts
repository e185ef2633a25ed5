import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.js';

export const vulnerabilityReportType = 'application/vnd.security.vulnerability.report; version=1.1';

/** Harbor's scan overview of an artifact, as far as the tests read it. */
export interface Overview {
  scan_status: string;
  severity: string;
  summary: { total: number; fixable: number; summary: Record<string, number> };
  scanner: { name: string; vendor: string; version: string };
}

/** The artifact's scan overview once its scan reached `until` (or Error); undefined after 30 s. */
export async function waitForOverview(
  client: ApiClient,
  project: string,
  repo: string,
  reference: string,
  until = 'Success',
): Promise<Overview | undefined> {
  for (let i = 0; i < 1500; i++) {
    const res = await client.call<{ scan_overview?: Record<string, Overview> }>(
      'GET',
      `/projects/${project}/repositories/${repo}/artifacts/${reference}?with_scan_overview=true`,
    );
    const current = res.body.scan_overview?.[vulnerabilityReportType];
    if (current?.scan_status === until || current?.scan_status === 'Error') return current;
    await sleep(20);
  }
  return undefined;
}
