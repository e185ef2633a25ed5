import { describe, expect, it } from 'vitest';
import { adminApiClient } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';
import { waitForOverview } from '../support/scans.js';

describe.each(['sqlite', 'postgres'] as const)('stopping a scan and reading its log (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem', { 'jobs.pollMs': 20 }, ['stops']);

  it('stops a scan that waits, refuses one that is not there, and serves a report’s log', async () => {
    const admin = await adminApiClient(b.server.url);
    await b.client.pushImage('stops/app', 'v1');
    const path = '/projects/stops/repositories/app/artifacts/v1';
    // Nothing waits yet.
    expect((await admin.call('POST', `${path}/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(404);

    // With this process's job runner paused the scan waits on the queue, and stop takes it off.
    await b.server.services.jobs.stop();
    expect((await admin.call('POST', `${path}/scan`, { scan_type: 'vulnerability' })).status).toBe(202);
    expect((await admin.call('POST', `${path}/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(202);
    const stopped = await admin.call<{
      scan_overview: Record<string, { scan_status: string; report_id: string }>;
    }>('GET', `${path}?with_scan_overview=true`);
    expect(Object.values(stopped.body.scan_overview)[0]?.scan_status).toBe('Stopped');
    expect((await admin.call('POST', `${path}/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(404);
    expect((await admin.call('POST', `${path}/scan/stop`, { scan_type: 'nonsense' })).status).toBe(400);

    // Scanned for real, the report has a log.
    b.server.services.jobs.start();
    expect((await admin.call('POST', `${path}/scan`)).status).toBe(202);
    // The test image's layer is no tar archive, so the scan ends in Error: its log says why.
    const overview = await waitForOverview(admin, 'stops', 'app', 'v1');
    expect(overview?.scan_status).toBe('Error');
    const reportId = (overview as unknown as { report_id: string }).report_id;
    const log = await fetch(`${b.server.url}/api/v2.0${path}/scan/${reportId}/log`, {
      headers: { Authorization: `Basic ${Buffer.from('admin:Admin12345').toString('base64')}` },
    });
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await log.text();
    expect(text).toContain(`scan ${reportId} of stops/app@`);
    expect(text).toContain('error: ');
    expect((await admin.call('GET', `${path}/scan/nosuchreport/log`)).status).toBe(404);
    expect((await admin.anonymous().call('GET', `${path}/scan/${reportId}/log`)).status).toBe(404);
  });
});
