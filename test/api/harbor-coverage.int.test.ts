import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { harborOperations, harborTags } from '../support/harbor-operations.js';
import { useBackend } from '../support/matrix.js';

const swaggerFile = path.resolve(
  import.meta.dirname,
  '../../../shared/reference/harbor-api-v2.0-swagger.yaml',
);

/** A path template with its parameters' names left out: Berth names some of them differently. */
const shape = (template: string) => template.replace(/\{[^}]+\}/g, '{}');

describe('Harbor’s operations on the resources Berth has', () => {
  const b = useBackend('sqlite', 'filesystem', {}, []);

  it('are all in Berth’s OpenAPI document', async () => {
    const document = (await (await fetch(`${b.server.url}/api/v2.0/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const berth = new Set(
      Object.entries(document.paths).flatMap(([template, operations]) =>
        Object.keys(operations).map(
          (method) => `${method.toUpperCase()} ${shape(template.replace('/api/v2.0', ''))}`,
        ),
      ),
    );
    const missing = harborOperations
      .filter(([, method, template]) => !berth.has(`${method} ${shape(template)}`))
      .map(([tag, method, template, id]) => `${tag}: ${method} ${template} (${id})`);
    expect(missing).toEqual([]);
  });

  it.runIf(existsSync(swaggerFile))(
    'are every operation Harbor’s swagger defines for those resources',
    () => {
      const swagger = parse(readFileSync(swaggerFile, 'utf8')) as {
        paths: Record<string, Record<string, { tags?: string[]; operationId?: string }>>;
      };
      const defined = Object.entries(swagger.paths).flatMap(([template, operations]) =>
        Object.entries(operations)
          .filter(
            ([method, op]) =>
              method !== 'parameters' && (harborTags as readonly string[]).includes(op.tags?.[0] ?? ''),
          )
          .map(([method, op]) => `${op.tags?.[0]} ${method.toUpperCase()} ${template} ${op.operationId}`),
      );
      expect(harborOperations.map((o) => o.join(' ')).sort()).toEqual(defined.sort());
    },
  );
});
