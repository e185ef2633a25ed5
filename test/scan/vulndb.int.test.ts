import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { DatabaseHandle } from '../../src/db/index.js';
import { findVulnerabilities, type InstalledPackage } from '../../src/scan/matcher.js';
import { cvss3BaseScore } from '../../src/scan/vulndb/cvss.js';
import { VulnDbService } from '../../src/scan/vulndb/vulndb.service.js';
import { createTestDatabase, type TestDatabase, tempDir } from '../support/services.js';

/** Writes a zip of OSV records (name → JSON) the way the OSV bucket lays them out. */
async function writeArchive(file: string, members: Record<string, unknown>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(members))
    zip.addBuffer(Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
  return file;
}

const modified = '2026-01-01T00:00:00Z';
const records = {
  'DEBIAN-CVE-2023-0001.json': {
    id: 'DEBIAN-CVE-2023-0001',
    modified,
    aliases: ['CVE-2023-0001'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }],
      },
    ],
  },
  'DSA-9999-1.json': {
    id: 'DSA-9999-1',
    modified,
    summary: 'openssl security update',
    aliases: ['CVE-2023-0001'],
    database_specific: { severity: 'high' },
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }],
      },
    ],
  },
  'PYSEC-2019-1.json': {
    id: 'PYSEC-2019-1',
    modified,
    details: 'sandbox escape',
    affected: [{ package: { ecosystem: 'PyPI', name: 'Jinja2' }, versions: ['2.10', '2.10.1'], ranges: [] }],
  },
  'GO-2023-0001.json': {
    id: 'GO-2023-0001',
    modified,
    aliases: ['GHSA-aaaa-bbbb-cccc'],
    database_specific: { severity: 'MODERATE' },
    affected: [
      {
        package: { ecosystem: 'Go', name: 'stdlib' },
        ranges: [
          {
            type: 'SEMVER',
            events: [{ introduced: '1.21.0' }, { fixed: '1.21.1' }, { introduced: '0' }, { fixed: '1.20.5' }],
          },
        ],
      },
    ],
  },
  'GHSA-lodash.json': {
    id: 'GHSA-lodash',
    modified,
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '4.17.20' }] }],
      },
    ],
  },
  'GIT-ONLY.json': {
    id: 'GIT-ONLY',
    modified,
    affected: [
      {
        package: { ecosystem: 'npm', name: 'left-pad' },
        ranges: [{ type: 'GIT', events: [{ introduced: 'abc' }] }],
      },
    ],
  },
};

describe('vulnerability database: OSV import and matching', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let work: { dir: string; remove: () => Promise<void> };
  let service: VulnDbService;
  let clock = Date.parse('2026-11-27T12:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    handle = await database.open();
    work = await tempDir('berth-vulndb-');
    service = new VulnDbService({ db: handle.db, now: () => clock, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
    await work.remove();
  });

  const count = async () =>
    Number(
      (
        await handle.db
          .selectFrom('vuln_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('imports an archive, then only what changed', async () => {
    const file = await writeArchive(path.join(work.dir, 'all.zip'), records);
    expect(await service.importArchive(file, 'Mixed')).toMatchObject({
      source: 'Mixed',
      records: 6,
      added: 6,
      updated: 0,
      unchanged: 0,
    });
    clock += 1000;
    expect(await service.importArchive(file, 'Mixed')).toMatchObject({ added: 0, updated: 0, unchanged: 6 });
    const newer = {
      ...records['GHSA-lodash.json'],
      modified: '2026-02-01T00:00:00Z',
      summary: 'prototype pollution',
    };
    const changed = await writeArchive(path.join(work.dir, 'changed.zip'), {
      ...records,
      'GHSA-lodash.json': newer,
    });
    expect(await service.importArchive(changed, 'Mixed')).toMatchObject({
      added: 0,
      updated: 1,
      unchanged: 5,
    });
    expect(await service.status()).toEqual([{ source: 'Mixed', importedAt: new Date(clock), records: 6 }]);
  });

  it('changes nothing when an archive is broken, and names the bad member', async () => {
    const before = await count();
    const broken = await writeArchive(path.join(work.dir, 'broken.zip'), {
      'NEW-1.json': { ...records['GHSA-lodash.json'], id: 'NEW-1' },
      'BAD-2.json': '{"id": "BAD-2", "modified": ',
    });
    await expect(service.importArchive(broken, 'Mixed')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('BAD-2.json'),
    });
    const invalid = await writeArchive(path.join(work.dir, 'invalid.zip'), {
      'NO-TIME.json': { id: 'NO-TIME', modified: 'yesterday' },
    });
    await expect(service.importArchive(invalid, 'Mixed')).rejects.toMatchObject({
      message: expect.stringMatching(/NO-TIME\.json: modified is not an RFC 3339 time/),
    });
    const notZip = path.join(work.dir, 'notzip.zip');
    await writeFile(notZip, 'this is not a zip');
    await expect(service.importArchive(notZip, 'Mixed')).rejects.toMatchObject({
      message: expect.stringContaining('not a readable zip archive'),
    });
    expect(await count()).toBe(before);
  });

  it('matches installed versions against ranges and lists, folding aliases of one CVE', async () => {
    const findings = await findVulnerabilities(service, [
      {
        ecosystem: 'Debian:12',
        name: 'libssl3',
        source: 'openssl',
        version: '3.0.11-1~deb12u1',
        layer: 'sha256:l1',
      },
      { ecosystem: 'Debian:12', name: 'openssl', version: '3.0.11-1~deb12u2' },
      { ecosystem: 'Debian:11', name: 'openssl', version: '1.1.1n-0+deb11u1' },
      { ecosystem: 'PyPI', name: 'jinja2', version: '2.10' },
      { ecosystem: 'Go', name: 'stdlib', version: 'go1.21.0' },
      { ecosystem: 'Go', name: 'stdlib', version: '1.20.4' },
      { ecosystem: 'Go', name: 'stdlib', version: '1.22.0' },
      { ecosystem: 'npm', name: 'lodash', version: '4.17.20' },
      { ecosystem: 'npm', name: 'lodash', version: '4.17.21' },
      { ecosystem: 'npm', name: 'left-pad', version: '1.0.0' },
    ]);
    expect(findings.map((f) => [f.id, f.package, f.version, f.fixVersion, f.severity, f.osvIds])).toEqual([
      [
        'CVE-2023-0001',
        'libssl3',
        '3.0.11-1~deb12u1',
        '3.0.11-1~deb12u2',
        'Critical',
        ['DEBIAN-CVE-2023-0001', 'DSA-9999-1'],
      ],
      ['GO-2023-0001', 'stdlib', '1.20.4', '1.20.5', 'Medium', ['GO-2023-0001']],
      ['GO-2023-0001', 'stdlib', 'go1.21.0', '1.21.1', 'Medium', ['GO-2023-0001']],
      ['PYSEC-2019-1', 'jinja2', '2.10', undefined, 'Unknown', ['PYSEC-2019-1']],
      ['GHSA-lodash', 'lodash', '4.17.20', undefined, 'Unknown', ['GHSA-lodash']],
    ]);
    expect(findings[0]?.layer).toBe('sha256:l1');
  });

  it('computes CVSS v3 base scores', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L')).toBe(5.3);
    expect(cvss3BaseScore('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H')).toBe(7.8);
    expect(cvss3BaseScore('CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N')).toBe(6.1);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H')).toBe(9.9);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N')).toBe(0);
    expect(cvss3BaseScore('CVSS:2.0/AV:N')).toBeUndefined();
  });
});

const shared = path.resolve(__dirname, '../../../shared');
const haveShared =
  existsSync(path.join(shared, 'vulndb/osv')) &&
  existsSync(path.join(shared, 'images/expected-findings.json'));

interface Expected {
  images: Record<
    string,
    {
      packages: { ecosystem: string; name: string; version: string; source?: string; status?: string }[];
      must_report: { id: string; package: string; version: string }[];
      must_not_report: { id: string; package: string; version: string }[];
    }
  >;
}

describe.skipIf(!haveShared)('vulnerability database: the real OSV records of ../shared', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let service: VulnDbService;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    handle = await database.open();
    service = new VulnDbService({ db: handle.db, now: Date.now, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it('imports every archive', async () => {
    let total = 0;
    for (const ecosystem of ['Go', 'PyPI', 'npm', 'Ubuntu', 'AlmaLinux']) {
      const result = await service.importArchive(path.join(shared, 'vulndb/osv', ecosystem, 'all.zip'));
      expect(result.source).toBe(ecosystem);
      total += result.records;
    }
    expect(total).toBe(593);
  });

  it('reports every MUST finding of each image’s packages and no MUST-NOT one', async () => {
    const expected = JSON.parse(
      readFileSync(path.join(shared, 'images/expected-findings.json'), 'utf8'),
    ) as Expected;
    for (const [image, spec] of Object.entries(expected.images)) {
      const installed: InstalledPackage[] = spec.packages
        .filter((p) => p.status === undefined || p.status === 'install ok installed')
        .map((p) => ({ ecosystem: p.ecosystem, name: p.name, version: p.version, source: p.source }));
      const findings = await findVulnerabilities(service, installed);
      const reported = new Set(
        findings.flatMap((f) => f.osvIds.map((id) => `${id} ${f.package} ${f.version}`)),
      );
      const missing = spec.must_report
        .map((m) => `${m.id} ${m.package} ${m.version}`)
        .filter((k) => !reported.has(k));
      const wrong = spec.must_not_report
        .map((m) => `${m.id} ${m.package} ${m.version}`)
        .filter((k) => reported.has(k));
      expect({ image, missing, wrong }).toEqual({ image, missing: [], wrong: [] });
    }
  });
});
