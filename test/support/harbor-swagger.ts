import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Harbor's own swagger, beside the repository (`../shared/reference/`; BERTH_HARBOR_SWAGGER overrides
 * it). A user's checkout has no `../shared`: the check is then a no-op, and `enabled` says so.
 */
export const harborSwaggerPath =
  process.env.BERTH_HARBOR_SWAGGER ??
  fileURLToPath(new URL('../../../shared/reference/harbor-api-v2.0-swagger.yaml', import.meta.url));

type Schema = { [keyword: string]: unknown };
interface SwaggerResponse {
  $ref?: string;
  schema?: Schema;
  headers?: Record<string, { type?: string }>;
}
interface SwaggerOperation {
  responses: Record<string, SwaggerResponse>;
}
/** The parts of a Swagger 2.0 document the check reads. */
export interface HarborSwaggerDocument {
  paths: Record<string, Record<string, unknown>>;
  responses?: Record<string, SwaggerResponse>;
  definitions?: Record<string, Schema>;
}

/** One thing Harbor's swagger does not allow in one answer. */
export interface HarborProblem {
  /** Stable text (array indexes as `*`, no values): what the allow-list matches. */
  readonly problem: string;
  /** The offending value's JSON, cut short, for the reader. */
  readonly sample?: string;
  /** Set when the allow-list excuses this problem. */
  readonly allowed?: Reason;
}

type Problem = Omit<HarborProblem, 'allowed'>;

export interface HarborFinding {
  readonly method: string;
  /** The path under /api/v2.0 that was called, without its query. */
  readonly path: string;
  /** Harbor's path template of the operation. */
  readonly template: string;
  readonly status: number;
  readonly problems: readonly HarborProblem[];
  /** True when the allow-list excuses every problem. */
  readonly allowed: boolean;
}

export interface HarborSwaggerOptions {
  /** `throw` (the default) fails on a finding the allow-list does not excuse; `collect` only records. */
  readonly mode?: 'throw' | 'collect';
  /** A file every finding is appended to, one JSON line each. */
  readonly log?: string;
}

/**
 * Checks /api/v2.0 answers against Harbor's swagger, for the operations Harbor defines (Berth's own
 * routes are left to its OpenAPI document). The operation is found by method and path template; the
 * body is validated against the schema declared for the status (or `default`). A status Harbor does
 * not declare is a finding, except an error status (>= 400), whose body need only be Harbor's `Errors`.
 * Declared types are strict; extra fields are fine (Harbor's definitions never forbid them). A body
 * where Harbor declares none is fine too: Harbor's clients do not read it. HEAD answers are checked
 * for their status only.
 *
 * Findings fail the test because Harbor's generated (go-swagger) clients fail on them: an undeclared
 * status is "response status code does not match any response statuses defined for this endpoint",
 * a value of another type an encoding/json unmarshal error, a malformed date-time a strfmt error.
 *
 * Set BERTH_HARBOR_FINDINGS=<file> to collect instead of throw: every finding, excused or not, is then
 * appended to <file> as a JSON line.
 */
export class HarborSwaggerValidator {
  /** Every finding so far, excused ones included. */
  readonly findings: HarborFinding[] = [];
  private readonly ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true, verbose: true });
  private readonly routes: Route[];
  private readonly responses: Record<string, SwaggerResponse>;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly mode: 'throw' | 'collect';
  private readonly log: string | undefined;

  private static sharedInstance: HarborSwaggerValidator | undefined;

  /** The validator over Harbor's swagger, or a no-op one when the file is absent. */
  static load(path = harborSwaggerPath, options?: HarborSwaggerOptions): HarborSwaggerValidator {
    const document = existsSync(path)
      ? (parse(readFileSync(path, 'utf8')) as HarborSwaggerDocument)
      : undefined;
    return new HarborSwaggerValidator(document, options);
  }

  /** One validator per test process (the swagger takes a while to parse), configured from the environment. */
  static shared(): HarborSwaggerValidator {
    HarborSwaggerValidator.sharedInstance ??= HarborSwaggerValidator.load(harborSwaggerPath, {
      ...(process.env.BERTH_HARBOR_FINDINGS
        ? { mode: 'collect', log: process.env.BERTH_HARBOR_FINDINGS }
        : {}),
    });
    return HarborSwaggerValidator.sharedInstance;
  }

  constructor(
    private readonly document: HarborSwaggerDocument | undefined,
    options: HarborSwaggerOptions = {},
  ) {
    this.mode = options.mode ?? 'throw';
    this.log = options.log;
    addFormats.default(this.ajv);
    // Go clients unmarshal int32 fields strictly; wider integer formats fit any JSON number Berth sends.
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 });
    this.responses = document?.responses ?? {};
    this.routes = Object.entries(document?.paths ?? {}).map(([template, operations]) =>
      route(template, operations),
    );
    const definitions = Object.fromEntries(
      Object.entries(document?.definitions ?? {}).map(([name, schema]) => [name, this.convert(schema)]),
    );
    this.ajv.addSchema({ $id: 'harbor', definitions });
  }

  /** False when there was no swagger to load: every check then passes. */
  get enabled(): boolean {
    return this.document !== undefined;
  }

  /**
   * Records the answer's finding, if any, and throws on it unless collecting or the allow-list
   * excuses every problem in it. Returns the finding (undefined when Harbor has nothing against it).
   */
  check(
    method: string,
    url: string,
    status: number,
    body: unknown,
    headers?: Headers,
  ): HarborFinding | undefined {
    const finding = this.verdict(method, url, status, body, headers);
    if (!finding) return undefined;
    this.findings.push(finding);
    if (this.log) appendFileSync(this.log, `${JSON.stringify(finding)}\n`);
    if (this.mode === 'throw' && !finding.allowed) throw new Error(describeFinding(finding));
    return finding;
  }

  /** What Harbor's swagger says about one answer, without recording or throwing. */
  verdict(
    method: string,
    url: string,
    status: number,
    body: unknown,
    headers?: Headers,
  ): HarborFinding | undefined {
    const pathname = new URL(url, 'http://x').pathname;
    if (!pathname.startsWith('/api/v2.0/')) return undefined;
    const path = pathname.slice('/api/v2.0'.length);
    const verb = method.toLowerCase();
    const found = this.routes
      .filter((r) => r.pattern.test(path) && r.operations[verb] !== undefined)
      .sort((a, b) => specificity(a, b))[0];
    if (!found) return undefined;
    const operation = found.operations[verb] as SwaggerOperation;
    const problems = this.problems(operation, `${verb} ${found.template}`, status, body, headers);
    if (problems.length === 0) return undefined;
    const verbUpper = method.toUpperCase();
    const excused = problems.map((p): HarborProblem => {
      const reason = allowance(verbUpper, found.template, status, p.problem);
      return reason ? { ...p, allowed: reason } : p;
    });
    return {
      method: verbUpper,
      path,
      template: found.template,
      status,
      problems: excused,
      allowed: excused.every((p) => p.allowed !== undefined),
    };
  }

  private problems(
    operation: SwaggerOperation,
    key: string,
    status: number,
    body: unknown,
    headers: Headers | undefined,
  ): Problem[] {
    const head = key.startsWith('head ');
    const declared = operation.responses[String(status)] ?? operation.responses.default;
    if (!declared) {
      if (status < 400) {
        const codes = Object.keys(operation.responses).join(', ');
        return [{ problem: `status ${status} is not declared (Harbor declares ${codes})` }];
      }
      return head ? [] : this.validate('Errors', body, { $ref: '#/definitions/Errors' });
    }
    const response = this.resolve(declared);
    const problems = headerProblems(response, headers);
    if (!response.schema || head) return problems;
    if (body === undefined) return [...problems, { problem: 'no body where Harbor declares one' }];
    return [...problems, ...this.validate(`${key} ${status}`, body, response.schema)];
  }

  private resolve(response: SwaggerResponse): SwaggerResponse {
    if (response.$ref === undefined) return response;
    const name = response.$ref.replace(/^#\/responses\//, '');
    const target = this.responses[name];
    if (!target) throw new Error(`Harbor's swagger has no response ${response.$ref}`);
    return target;
  }

  private validate(key: string, body: unknown, schema: Schema): Problem[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.convert(schema) as object);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).filter(relevant).map(problemOf);
  }

  /**
   * A map's values. Harbor writes `additionalProperties: {type: object}` (ExtraAttrs, schedule
   * parameters, retention rule params) for values of any type: go-swagger generates
   * `map[string]interface{}` for it, and Harbor itself fills these maps with strings, numbers and
   * booleans (extra_attrs.architecture is "amd64"), which Harbor's clients read as such.
   */
  private convertValues(schema: unknown): unknown {
    const bare = typeof schema === 'object' && schema !== null && Object.keys(schema).join() === 'type';
    return bare && (schema as Schema).type === 'object' ? {} : this.convert(schema);
  }

  /** Swagger 2.0 schema → JSON Schema (draft-07) for ajv. */
  private convert(schema: unknown): unknown {
    if (typeof schema !== 'object' || schema === null) return schema; // additionalProperties: true
    const s = schema as Schema;
    const nullable = s['x-nullable'] === true || s['x-isnullable'] === true;
    if (typeof s.$ref === 'string') {
      // Swagger 2.0 ignores a $ref's siblings (description, type: object); go-swagger reads x-nullable.
      if (!s.$ref.startsWith('#/definitions/')) throw new Error(`unexpected $ref ${s.$ref}`);
      const ref = { $ref: `harbor${s.$ref}` };
      return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
    }
    if (s.type === 'file') return {}; // a download, not JSON: nothing to check
    const out: Schema = {};
    for (const [keyword, value] of Object.entries(s)) {
      if (keyword === 'properties')
        out.properties = Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([name, p]) => [name, this.convert(p)]),
        );
      else if (keyword === 'items') out.items = this.convert(value);
      else if (keyword === 'additionalProperties') out.additionalProperties = this.convertValues(value);
      else if (keyword === 'allOf') out.allOf = (value as unknown[]).map((v) => this.convert(v));
      else if (keyword === 'format') {
        // int64, int, uint64, float, float64…: formats ajv does not know are Go types, not constraints.
        if (this.ajv.formats[value as string] !== undefined) out.format = value;
      } else if (validationKeywords.has(keyword)) out[keyword] = value;
      // description, example, readOnly, x-omitempty and other annotations carry no constraint
    }
    if (!nullable) return out;
    if (typeof out.type !== 'string') return { anyOf: [out, { type: 'null' }] };
    return {
      ...out,
      type: [out.type, 'null'],
      ...(Array.isArray(out.enum) ? { enum: [...out.enum, null] } : {}),
    };
  }
}

/**
 * Integer headers (X-Total-Count) are parsed by go-swagger clients, which fail on anything else; an
 * absent header is fine (the client leaves the field zero).
 */
function headerProblems(response: SwaggerResponse, headers: Headers | undefined): Problem[] {
  return Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
    const value = headers?.get(name);
    if (header.type !== 'integer' || value === null || value === undefined || /^-?\d+$/.test(value))
      return [];
    return [{ problem: `header ${name} must be integer`, sample: JSON.stringify(value) }];
  });
}

const validationKeywords = new Set([
  'type',
  'required',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  /** Per segment: true for a literal, false for a {parameter}. */
  readonly literals: readonly boolean[];
  readonly operations: Record<string, unknown>;
}

function route(template: string, operations: Record<string, unknown>): Route {
  const segments = template.split('/').slice(1);
  // A parameter is one segment: nested repository names arrive as a%252Fb.
  const source = segments
    .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return {
    template,
    pattern: new RegExp(`^/${source}$`),
    literals: segments.map((s) => !s.startsWith('{')),
    operations,
  };
}

/** Orders the more specific template first: /users/current before /users/{user_id}. */
function specificity(a: Route, b: Route): number {
  for (let i = 0; i < Math.min(a.literals.length, b.literals.length); i++)
    if (a.literals[i] !== b.literals[i]) return a.literals[i] ? -1 : 1;
  return 0;
}

/** Leaves out what the nullable wrapper adds: the `anyOf` summary and its `null` branch. */
function relevant(error: ErrorObject): boolean {
  return error.keyword !== 'anyOf' && !/\/anyOf\/1\/type$/.test(error.schemaPath);
}

function problemOf(error: ErrorObject): Problem {
  const where = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '/';
  const allowed = error.keyword === 'enum' ? ` ${JSON.stringify(error.params.allowedValues)}` : '';
  const got = error.keyword === 'type' ? ` (got ${jsonType(error.data)})` : '';
  const sample = JSON.stringify(error.data)?.slice(0, 120);
  return {
    problem: `${where} ${error.message}${allowed}${got}`,
    ...(sample === undefined ? {} : { sample }),
  };
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function describeFinding(f: HarborFinding): string {
  const problems = f.problems
    .map(
      (p) =>
        `  ${p.problem}${p.sample === undefined ? '' : ` — got ${p.sample}`}${p.allowed ? ' (allowed)' : ''}`,
    )
    .join('\n');
  return `Harbor's swagger: ${f.method} ${f.template} ${f.status} (${f.path}):\n${problems}`;
}

/** Why an observed finding does not fail the tests (yet). */
export type Reason = (typeof Reason)[keyof typeof Reason];
const Reason = {
  harborSwaggerWrong: "Harbor's swagger contradicts Harbor's own answers: Berth follows Harbor's server",
  noBody: 'Berth answers with no body where Harbor declares one',
  typeMismatch: 'type mismatch (or a format, enum or required field Harbor declares)',
  undeclaredStatus: 'a success status Harbor does not declare',
  headerType: 'a header of the wrong type',
} as const;

type Excuse = readonly [method: string, template: string, status: number, problem: string, reason: Reason];

const additions = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions';

/**
 * Where Harbor's swagger is wrong, not Berth: these stay. Harbor declares the additions `type: string`
 * but answers with the addition's own JSON (the vulnerability reports by MIME type, the build history
 * array, the SBOM document), which Harbor's UI reads; Harbor's generated Go client fails on it against
 * Harbor itself (goharbor/go-client#11, #41).
 */
const harborSwaggerErrata: readonly Excuse[] = [
  ['GET', `${additions}/vulnerabilities`, 200, '/ must be string (got object)', Reason.harborSwaggerWrong],
  ['GET', `${additions}/{addition}`, 200, '/ must be string (got object)', Reason.harborSwaggerWrong],
  ['GET', `${additions}/{addition}`, 200, '/ must be string (got array)', Reason.harborSwaggerWrong],
];

/**
 * Berth's own deviations from Harbor's swagger, excused so that `npm test` fails only on new ones:
 * each an exact (method, Harbor path template, status, problem) seen in the API tests' answers. The
 * product is fixed until this list is empty; add to it only with a reason. None are left in what the
 * tests reached when the check was introduced (2026-12: 65 Harbor operations, 239 operation-status pairs).
 */
const berthDeviations: readonly Excuse[] = [];

function allowance(method: string, template: string, status: number, problem: string): Reason | undefined {
  return [...harborSwaggerErrata, ...berthDeviations].find(
    ([m, t, s, p]) => m === method && t === template && s === status && p === problem,
  )?.[4];
}
