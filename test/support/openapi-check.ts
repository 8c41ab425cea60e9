// Checks a request against GitHub's published REST description (@octokit/openapi): method + path template, query names, JSON body schema.
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  parameters?: Json[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: Json;
}


let spec: Spec | null = null;
function loadSpec(): Spec {
  if (!spec) spec = createRequire(import.meta.url)('@octokit/openapi/generated/api.github.com.json') as Spec;
  return spec;
}

/** Inlines `#/components/...` references so the body schema stands alone. */
function resolve(node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Json;
  if (typeof obj.$ref === 'string') {
    const ref = obj.$ref;
    if (seen.includes(ref)) return {}; // recursive schema: accept anything below this depth
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, key) => (acc as Json)[key], loadSpec());
    return resolve(target, [...seen, ref]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolve(v, seen);
  return out;
}

/**
 * GitHub ignores unknown body fields, so a misspelt field would slip through the published schema;
 * closing every plain object schema makes such a typo fail the test instead.
 */
function closeObjects(node: unknown, inComposition = false): unknown {
  if (Array.isArray(node)) return node.map((n) => closeObjects(n, inComposition));
  if (!node || typeof node !== 'object') return node;
  const obj = { ...(node as Json) };
  const composed = ['allOf', 'anyOf', 'oneOf'].some((k) => k in obj);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'example' || k === 'examples') continue;
    obj[k] = closeObjects(v, inComposition || k === 'allOf');
  }
  if (!inComposition && !composed && obj.properties && !('additionalProperties' in obj)) obj.additionalProperties = false;
  // OpenAPI 3.0's `nullable` next to oneOf/anyOf (no `type`): Ajv rejects the schema, so spell it as "or null".
  if (obj.nullable === true && !('type' in obj)) {
    const { nullable: _n, ...rest } = obj;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return obj;
}

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormatsModule as unknown as (a: Ajv) => void)(ajv);
const validators = new Map<string, ValidateFunction>();

interface Template {
  template: string;
  re: RegExp;
  literals: number;
}
let templates: Template[] | null = null;
function pathTemplates(): Template[] {
  if (!templates) {
    templates = Object.keys(loadSpec().paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
    }));
  }
  return templates;
}

export interface CheckedRequest {
  method: string;
  /** Path with query string, as sent to api.github.com. */
  path: string;
  body?: unknown;
}

export interface CheckResult {
  operationId: string | null;
  template: string | null;
  problems: string[];
}

/** Returns the matched operation and every way the request disagrees with GitHub's REST description. */
export function checkRequest(req: CheckedRequest): CheckResult {
  const url = new URL(req.path, 'https://api.github.com');
  const pathname = decodeURIComponent(url.pathname);
  const method = req.method.toLowerCase();
  const candidates = pathTemplates()
    .filter((t) => t.re.test(url.pathname) || t.re.test(pathname))
    .sort((a, b) => b.literals - a.literals);
  const where = `${req.method.toUpperCase()} ${url.pathname}`;
  if (candidates.length === 0) return { operationId: null, template: null, problems: [`${where}: no such path in GitHub's REST API`] };
  const match = candidates.find((t) => loadSpec().paths[t.template]?.[method]);
  if (!match) {
    return { operationId: null, template: candidates[0]!.template, problems: [`${where}: path ${candidates[0]!.template} has no ${req.method.toUpperCase()} operation`] };
  }
  const op = loadSpec().paths[match.template]![method]!;
  const problems: string[] = [];

  const params = (op.parameters ?? []).map((p) => resolve(p) as { name: string; in: string });
  const queryNames = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
  for (const key of url.searchParams.keys()) {
    if (!queryNames.has(key)) problems.push(`${where}: unknown query parameter "${key}" for ${op.operationId}`);
  }

  const schema = op.requestBody?.content?.['application/json']?.schema;
  const hasBody = req.body !== undefined && req.body !== null && req.body !== '';
  if (!schema) {
    if (hasBody && method !== 'get') problems.push(`${where}: ${op.operationId} takes no JSON body, got one`);
  } else if (!hasBody) {
    if (op.requestBody?.required) problems.push(`${where}: ${op.operationId} requires a JSON body`);
  } else {
    const key = `${match.template} ${method}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(closeObjects(resolve(schema)) as Json);
      validators.set(key, validate);
    }
    const body = typeof req.body === 'string' ? (JSON.parse(req.body) as unknown) : req.body;
    if (!validate(body)) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : '';
        problems.push(`${where}: body${e.instancePath || ''} ${e.message ?? e.keyword}${extra} (${op.operationId})`);
      }
    }
  }
  return { operationId: op.operationId ?? null, template: match.template, problems };
}
