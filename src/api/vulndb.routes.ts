import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { EventSink } from '../domain/events.js';
import { BerthError } from '../lib/errors.js';
import { MeteredStream } from '../lib/streams.js';
import type { ScanScheduler, VulnDbService } from '../scan/index.js';
import { empty, noContent, report, requireSysAdmin } from './context.js';
import { errorResponses, ref, VulnDbImport } from './schemas/index.js';

export interface VulnDbRoutesDeps {
  readonly vulndb: VulnDbService;
  readonly scanScheduler: ScanScheduler;
  readonly events: EventSink;
}

const ImportQuery = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 100, description: 'the ecosystem, e.g. Debian or PyPI' }),
});

/** Largest archive accepted through the API (OSV's biggest per-ecosystem archives are a few hundred MiB). */
const maxArchiveBytes = 2 * 1024 ** 3;

/**
 * The built-in scanner's vulnerability database: offline import for air-gapped sites (the body is an
 * OSV `all.zip`, streamed to a temporary file and imported as `berth vulndb import` does) and an
 * update from the mirror.
 */
export const vulndbRoutes: FastifyPluginAsyncTypebox<VulnDbRoutesDeps> = async (
  app,
  { vulndb, scanScheduler, events },
) => {
  app.addContentTypeParser(['application/zip', 'application/octet-stream'], (_request, payload, done) =>
    done(null, payload),
  );

  // The body is the archive's byte stream (the parser above hands it over unread).
  app.post<{ Body: Readable | undefined; Querystring: Static<typeof ImportQuery> }>(
    '/vulndb/import',
    {
      schema: {
        tags: ['vulndb'],
        summary:
          'Import an OSV archive (application/zip) into the vulnerability database (system administrators)',
        querystring: ImportQuery,
        response: { 200: ref(VulnDbImport), ...errorResponses },
      },
    },
    async (request) => {
      requireSysAdmin(request);
      const body = request.body;
      if (!(body instanceof Readable))
        throw new BerthError(
          'INVALID_INPUT',
          'send the archive as the body, with Content-Type: application/zip',
        );
      const dir = await mkdtemp(path.join(tmpdir(), 'berth-vulndb-'));
      try {
        const file = path.join(dir, 'all.zip');
        const metered = new MeteredStream([], maxArchiveBytes);
        await pipeline(body, metered, createWriteStream(file));
        const result = await vulndb.importArchive(file, request.query.source);
        report(events, request, {
          operation: 'update',
          resourceType: 'project',
          resource: `vulnerability database ${result.source}`,
          description: `${result.added} added, ${result.updated} updated`,
        });
        return { ...result, archive: `${request.query.source}.zip` };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.post(
    '/vulndb/update',
    {
      schema: {
        tags: ['vulndb'],
        summary: 'Update the vulnerability database from the mirror now, then rescan (system administrators)',
        response: { 202: noContent('Queued'), ...errorResponses },
      },
    },
    async (request, reply) => {
      requireSysAdmin(request);
      await scanScheduler.requestDbUpdate();
      return empty(reply, 202);
    },
  );
};
