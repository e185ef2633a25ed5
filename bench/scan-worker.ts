/**
 * One scan, measured in its own process (so its peak memory is the scan's): reads an OCI layout,
 * streams its layers through the scanner, matches the packages against a vulnerability database
 * imported beforehand (not timed), and prints {ms, packages, findings, peakRssMiB} as JSON.
 *   tsx bench/scan-worker.ts <layout> <ref> [<osv dir with <ecosystem>/all.zip>]
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { connectDatabase, migrateToLatest } from '../src/db/index.js';
import { detectPackages, scanSelector } from '../src/scan/detect.js';
import { type LayerRef, readImageFiles } from '../src/scan/layers.js';
import { findVulnerabilities } from '../src/scan/matcher.js';
import { VulnDbService } from '../src/scan/vulndb/vulndb.service.js';

const [layout, ref, osv] = process.argv.slice(2) as [string, string, string | undefined];
const blob = (digest: string) => path.join(layout, 'blobs', 'sha256', digest.slice(7));
const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
  manifests: { digest: string; annotations?: Record<string, string> }[];
};
const entry =
  index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref) ??
  index.manifests[0];
const manifest = JSON.parse(readFileSync(blob(entry?.digest as string), 'utf8')) as { layers: LayerRef[] };

const dir = await mkdtemp(path.join(tmpdir(), 'berth-scan-bench-'));
const database = await connectDatabase(`sqlite:${path.join(dir, 'db.sqlite')}`, { poolSize: 1 });
try {
  await migrateToLatest(database);
  const vulndb = new VulnDbService({ db: database.db, now: Date.now, logger: pino({ level: 'silent' }) });
  if (osv && existsSync(osv))
    for (const ecosystem of readdirSync(osv))
      await vulndb.importArchive(path.join(osv, ecosystem, 'all.zip'));
  const started = performance.now();
  const files = await readImageFiles(manifest.layers, async (d) => createReadStream(blob(d)), scanSelector);
  const { packages } = detectPackages(files);
  const findings = await findVulnerabilities(vulndb, packages);
  const ms = performance.now() - started;
  const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  console.log(
    JSON.stringify({
      ms,
      layers: manifest.layers.length,
      packages: packages.length,
      findings: findings.length,
      peakRssMiB: peak,
    }),
  );
} finally {
  await database.close();
  await rm(dir, { recursive: true, force: true });
}
