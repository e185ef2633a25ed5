import { describe, expect, it } from 'vitest';
import { type ApiClient, adminApiClient } from '../support/api-client.js';
import { useBackend } from '../support/matrix.js';

interface Operation {
  parameters?: { name: string; in: string }[];
}

/**
 * Every list of the management API (every GET that takes `page`), found in Berth's own OpenAPI
 * document, asked for absurd pages and for `q` values that are not validly escaped, by an
 * administrator and anonymously: the answer is a page (maybe empty) or a 400 in Harbor's error shape,
 * never a 500.
 */
describe.each(['sqlite', 'postgres'] as const)('every list, with bad paging and q (%s)', (databaseKind) => {
  const b = useBackend(databaseKind, 'filesystem', {}, ['lists']);
  let admin: ApiClient;
  const lists: string[] = [];

  it('finds the lists', async () => {
    admin = await adminApiClient(b.server.url);
    await b.client.pushImage('lists/app', 'v1');
    const document = (await (await fetch(`${b.server.url}/api/v2.0/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const [template, operations] of Object.entries(document.paths)) {
      if (!operations.get?.parameters?.some((p) => p.name === 'page' && p.in === 'query')) continue;
      lists.push(
        template
          .replace('/api/v2.0', '')
          .replace('{project_name_or_id}', 'lists')
          .replace('{project_name}', 'lists')
          .replace('{repository_name}', 'app')
          .replace('{reference}', 'v1')
          // Lists under a retention policy and execution that need not exist: they must not fail either.
          .replace('{id}', '1')
          .replace('{eid}', '1'),
      );
    }
    expect(lists.length).toBeGreaterThan(10);
    expect(lists.every((l) => !l.includes('{'))).toBe(true);
  });

  it('answers pages far beyond the end, and unparseable pages, without a 500', async () => {
    for (const path of lists) {
      for (const page of ['1e20', '99999999', '1.5', '-1', 'abc']) {
        for (const client of [admin, admin.anonymous()]) {
          const res = await client.call<unknown[]>('GET', `${path}?page=${page}`);
          expect({ path, page, status: res.status }).not.toMatchObject({ status: 500 });
          if (res.status === 200) expect({ path, page, body: res.body }).toEqual({ path, page, body: [] });
          if (res.status === 400)
            expect((res.body as unknown as { errors: unknown[] }).errors).toHaveLength(1);
        }
      }
    }
  });

  it('answers q with a literal %, a broken escape or a bad term without a 500', async () => {
    for (const path of lists) {
      for (const q of ['%', 'name%3D~50%25', 'name=~%zz', '%E2%9C', 'broken', 'name=[1~2~3]']) {
        for (const client of [admin, admin.anonymous()]) {
          const res = await client.call('GET', `${path}?q=${q}`);
          expect({ path, q, status: res.status }).not.toMatchObject({ status: 500 });
          expect([200, 400, 401, 403, 404]).toContain(res.status);
        }
      }
    }
  });
});
