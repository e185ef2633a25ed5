import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

/**
 * Checks answers against the server's own generated OpenAPI document: the operation is found by
 * method and path template, and the body validated against the schema declared for its status.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly paths: [string, RegExp, Record<string, Operation>][];

  constructor(document: { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...document, $id: 'openapi' });
    // The more specific template first: /system/gc/schedule before /system/gc/{gc_id}.
    const literal = (template: string) => template.split('/').map((segment) => !segment.startsWith('{'));
    const specificity = (a: string, b: string) => {
      const [x, y] = [literal(a), literal(b)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] ? -1 : 1;
      return 0;
    };
    this.paths = Object.entries(document.paths)
      .sort(([a], [b]) => specificity(a, b))
      .map(([template, operations]) => [
        template,
        new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        operations,
      ]);
  }

  /** Throws with the schema errors unless the body matches what the document declares. */
  check(method: string, url: string, status: number, body: unknown): void {
    const path = new URL(url, 'http://x').pathname;
    const entry = this.paths.find(([, pattern]) => pattern.test(path));
    if (!entry) throw new Error(`${method} ${path} is not in the OpenAPI document`);
    const [template, , operations] = entry;
    const operation = operations[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path}: method not in the OpenAPI document`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${path}: status ${status} is not declared`);
    const schema = response.content?.['application/json']?.schema;
    // A text answer (GET /ping, text/plain) is a string: its type is all there is to check.
    const text = Object.keys(response.content ?? {}).find((type) => type.startsWith('text/'));
    if (!schema && text) {
      if (typeof body !== 'string') throw new Error(`${method} ${path} ${status}: ${text} answer is no text`);
      return;
    }
    if (!schema) {
      if (body !== undefined && body !== '')
        throw new Error(`${method} ${path} ${status}: declared without a body, got one`);
      return;
    }
    const pointer = `openapi#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    const validate = this.ajv.getSchema(pointer);
    if (!validate) throw new Error(`cannot compile ${pointer}`);
    if (!validate(body))
      throw new Error(`${method} ${path} ${status}: ${this.ajv.errorsText(validate.errors)}`);
  }
}
