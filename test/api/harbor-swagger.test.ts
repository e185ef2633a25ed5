import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type HarborFinding,
  type HarborSwaggerDocument,
  HarborSwaggerValidator,
  harborSwaggerPath,
} from '../support/harbor-swagger.js';

const project = {
  project_id: 1,
  owner_id: 1,
  name: 'library',
  creation_time: '2026-12-01T10:00:00.000Z',
  update_time: '2026-12-01T10:00:00.000Z',
  deleted: false,
  owner_name: 'admin',
  current_user_role_ids: [1],
  repo_count: 0,
  metadata: { public: 'true', auto_scan: null },
  cve_allowlist: { id: 1, project_id: 1, items: [] },
  berth_extra: 'extra fields are fine',
};

const problems = (finding: HarborFinding | undefined) => finding?.problems.map((p) => p.problem);

describe("Harbor's swagger (../shared/reference)", () => {
  const present = existsSync(harborSwaggerPath);
  const harbor = HarborSwaggerValidator.load(harborSwaggerPath, { mode: 'collect' });
  /** What the check finds when the swagger is there; nothing at all (a no-op) when it is not. */
  const expectProblems = (finding: HarborFinding | undefined, expected: string[] | undefined) =>
    expect(problems(finding)).toEqual(present ? expected : undefined);

  it('is loaded exactly when the file exists', () => {
    expect(harbor.enabled).toBe(present);
  });

  it('accepts a valid Project, extra fields included', () => {
    expect(harbor.verdict('GET', '/api/v2.0/projects/library', 200, project)).toBeUndefined();
    expect(harbor.verdict('GET', '/api/v2.0/projects?page=1', 200, [project])).toBeUndefined();
  });

  it('rejects project_id as a string, with the Harbor template and the item path', () => {
    const finding = harbor.verdict('GET', '/api/v2.0/projects?page=1', 200, [
      project,
      { ...project, project_id: '2' },
    ]);
    expectProblems(finding, ['/*/project_id must be integer (got string)']);
    if (present) expect(finding).toMatchObject({ template: '/projects', status: 200, allowed: false });
  });

  it("validates an error's body as Errors, whether or not Harbor declares its status", () => {
    const errors = { errors: [{ code: 'NOT_FOUND', message: 'project nope not found' }] };
    expect(harbor.verdict('GET', '/api/v2.0/projects/nope', 404, errors)).toBeUndefined();
    expect(harbor.verdict('GET', '/api/v2.0/projects/nope', 429, errors)).toBeUndefined();
    expectProblems(harbor.verdict('GET', '/api/v2.0/projects/nope', 404, { errors: [{ code: 404 }] }), [
      '/errors/*/code must be string (got number)',
    ]);
    expectProblems(harbor.verdict('GET', '/api/v2.0/projects/nope', 404, undefined), [
      'no body where Harbor declares one',
    ]);
  });

  it('reports a success status Harbor does not declare', () => {
    expectProblems(harbor.verdict('DELETE', '/api/v2.0/projects/library', 204, undefined), [
      'status 204 is not declared (Harbor declares 200, 400, 403, 404, 412, 500)',
    ]);
  });

  it('leaves alone the operations Harbor does not define, and paths outside /api/v2.0', () => {
    expect(harbor.verdict('GET', '/api/v2.0/berth/anything', 200, { project_id: 'x' })).toBeUndefined();
    expect(harbor.verdict('PATCH', '/api/v2.0/projects/library', 200, 'x')).toBeUndefined();
    expect(harbor.verdict('GET', '/v2/_catalog', 200, 'x')).toBeUndefined();
  });

  it('finds nested repositories (a%252Fb is one segment)', () => {
    const path = '/api/v2.0/projects/library/repositories/a%252Fb/artifacts/latest';
    const finding = harbor.verdict('GET', path, 200, { id: 'x' });
    expectProblems(finding, ['/id must be integer (got string)']);
    if (present)
      expect(finding?.template).toBe(
        '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}',
      );
  });

  it('reads extra_attrs as Harbor fills them (strings, not objects)', () => {
    const path = '/api/v2.0/projects/library/repositories/app/artifacts/latest';
    const extra = { architecture: 'amd64', os: 'linux', created: '2026-01-02T03:04:05Z', config: {} };
    expect(harbor.verdict('GET', path, 200, { id: 1, extra_attrs: extra })).toBeUndefined();
  });

  it("excuses, as Harbor's swagger errata, additions answered as JSON", () => {
    const path = '/api/v2.0/projects/library/repositories/app/artifacts/latest/additions/vulnerabilities';
    const finding = harbor.verdict('GET', path, 200, {});
    expectProblems(finding, ['/ must be string (got object)']);
    if (present) expect(finding?.allowed).toBe(true);
  });

  it('reads an integer X-Total-Count', () => {
    const count = (value: string) => new Headers({ 'X-Total-Count': value });
    expect(harbor.verdict('GET', '/api/v2.0/projects', 200, [], count('3'))).toBeUndefined();
    expectProblems(harbor.verdict('GET', '/api/v2.0/projects', 200, [], count('three')), [
      'header X-Total-Count must be integer',
    ]);
  });

  it('throws on a finding in throw mode, records it in collect mode', () => {
    const strict = HarborSwaggerValidator.load(harborSwaggerPath);
    const call = () => strict.check('GET', '/api/v2.0/projects/library', 200, { project_id: '1' });
    if (present)
      expect(call).toThrow(/GET \/projects\/\{project_name_or_id\} 200.*\n.*project_id must be integer/);
    else expect(call()).toBeUndefined();
    harbor.check('GET', '/api/v2.0/projects/library', 200, { project_id: '1' });
    expect(harbor.findings).toHaveLength(present ? 1 : 0);
  });
});

describe('without the swagger', () => {
  it('is a no-op', () => {
    const none = HarborSwaggerValidator.load('/nonexistent/harbor-api-v2.0-swagger.yaml');
    expect(none.enabled).toBe(false);
    expect(none.check('GET', '/api/v2.0/projects/library', 200, { project_id: '1' })).toBeUndefined();
    expect(none.check('GET', '/api/v2.0/projects/library', 299, undefined)).toBeUndefined();
    expect(none.findings).toEqual([]);
  });
});

/** Swagger 2.0 as Harbor writes it, in miniature: the conversions hold without ../shared. */
const miniature: HarborSwaggerDocument = {
  paths: {
    '/users/current': { get: { responses: { '200': { schema: { $ref: '#/definitions/User' } } } } },
    '/users/{user_id}': {
      get: { responses: { '200': { schema: { $ref: '#/definitions/User' } } } },
      head: {
        responses: { '200': { schema: { $ref: '#/definitions/User' } }, '404': { $ref: '#/responses/404' } },
      },
      delete: { responses: { '200': { $ref: '#/responses/200' }, '404': { $ref: '#/responses/404' } } },
    },
    '/certificate': { get: { responses: { '200': { schema: { type: 'file' } } } } },
    '/fallback': {
      get: { responses: { default: { schema: { type: 'array', items: { type: 'string' } } } } },
    },
  },
  responses: { '200': {}, '404': { schema: { $ref: '#/definitions/Errors' } } },
  definitions: {
    User: {
      type: 'object',
      properties: {
        user_id: { type: 'integer', format: 'int', readOnly: true },
        quota: { type: 'integer', format: 'int32' },
        size: { type: 'integer', format: 'int64' },
        creation_time: { type: 'string', format: 'date-time' },
        comment: { type: 'string', 'x-nullable': true },
        level: { type: 'string', enum: ['low', 'high'], 'x-isnullable': true },
        profile: { description: 'ignored sibling', 'x-nullable': true, $ref: '#/definitions/Profile' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', additionalProperties: true },
        any: { type: 'object', additionalProperties: {} },
        attrs: { type: 'object', additionalProperties: { type: 'object' } },
      },
    },
    Profile: { type: 'object', properties: { admin: { type: 'boolean' } } },
    Errors: {
      type: 'object',
      properties: { errors: { type: 'array', items: { $ref: '#/definitions/Error', 'x-nullable': false } } },
    },
    Error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
};

describe('Swagger 2.0 conversion', () => {
  const harbor = new HarborSwaggerValidator(miniature, { mode: 'collect' });
  const user = (fields: Record<string, unknown>) =>
    problems(harbor.verdict('GET', '/api/v2.0/users/7', 200, fields));

  it('allows null only where x-nullable or x-isnullable says so', () => {
    expect(user({ comment: null, level: null, profile: null })).toBeUndefined();
    expect(user({ level: 'medium' })).toEqual([
      '/level must be equal to one of the allowed values ["low","high",null]',
    ]);
    expect(user({ user_id: null, labels: null })).toEqual([
      '/user_id must be integer (got null)',
      '/labels must be object (got null)',
    ]);
    expect(user({ profile: { admin: 'yes' } })).toEqual(['/profile/admin must be boolean (got string)']);
  });

  it('reads formats: int32 is ranged, int and int64 are Go types, date-time is RFC 3339', () => {
    expect(user({ user_id: 2 ** 40, size: 2 ** 40, quota: 2 ** 31 - 1 })).toBeUndefined();
    expect(user({ quota: 2 ** 31 })).toEqual(['/quota must match format "int32"']);
    expect(user({ creation_time: '2026-12-01 10:00' })).toEqual([
      '/creation_time must match format "date-time"',
    ]);
  });

  it('reads additionalProperties as a schema, true, {} or {type: object} (any value: go-swagger)', () => {
    expect(
      user({ labels: { a: 'b' }, extra: { a: 1 }, any: { a: [1] }, attrs: { a: 'b', n: 1 } }),
    ).toBeUndefined();
    expect(user({ attrs: 'x' })).toEqual(['/attrs must be object (got string)']);
    expect(user({ labels: { a: 1 } })).toEqual(['/labels/a must be string (got number)']);
  });

  it('prefers a literal segment, per method', () => {
    expect(harbor.verdict('GET', '/api/v2.0/users/current', 200, { user_id: 'x' })?.template).toBe(
      '/users/current',
    );
    expect(harbor.verdict('DELETE', '/api/v2.0/users/current', 204, undefined)?.template).toBe(
      '/users/{user_id}',
    );
  });

  it('resolves #/responses refs, default responses and file downloads', () => {
    expect(harbor.verdict('DELETE', '/api/v2.0/users/7', 200, { anything: 1 })).toBeUndefined();
    expect(problems(harbor.verdict('DELETE', '/api/v2.0/users/7', 404, {}))).toBeUndefined();
    expect(problems(harbor.verdict('DELETE', '/api/v2.0/users/7', 404, { errors: 'x' }))).toEqual([
      '/errors must be array (got string)',
    ]);
    expect(problems(harbor.verdict('GET', '/api/v2.0/fallback', 201, [1]))).toEqual([
      '/* must be string (got number)',
    ]);
    expect(harbor.verdict('GET', '/api/v2.0/certificate', 200, 'PEM')).toBeUndefined();
  });

  it('checks HEAD answers for their status only', () => {
    expect(harbor.verdict('HEAD', '/api/v2.0/users/7', 200, undefined)).toBeUndefined();
    expect(harbor.verdict('HEAD', '/api/v2.0/users/7', 404, undefined)).toBeUndefined();
    expect(problems(harbor.verdict('HEAD', '/api/v2.0/users/7', 204, undefined))).toEqual([
      'status 204 is not declared (Harbor declares 200, 404)',
    ]);
  });
});
