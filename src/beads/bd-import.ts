// bd's issues.jsonl -> beads: mapped for scheduling, bd's original values and unknown fields kept for export.
import { Bead, BeadId, type BeadInput, type Dependency } from './schema.js';
import { formatPath, locateJsonError } from './serialize.js';
import {
  BD_DEFAULT_DEP_TYPE,
  GTH_KEY,
  GthExtras,
  IMPORT_NOTE,
  KNOWN_BD_KEYS,
  OUR_STATUS_TO_BD,
  OUR_TYPE_TO_BD,
  bdDepToOurs,
  bdStatusToOurs,
  bdTypeToOurs,
} from './bd-map.js';
import { acceptanceFromText, acceptanceText, bdDependenciesOf, isEmptyLike } from './bd-export.js';

export interface BdImportOptions {
  /** Shown in problems and in the import history entry. */
  file?: string;
  /** Time of the import history entry (default: now). */
  now?: string;
  /** Actor of the import history entry (default "bd-import"). */
  by?: string;
}

export interface BdImportProblem {
  /** 1-based line number in the JSONL text. */
  line: number;
  /** Self-contained message: `file:line: id: field: problem`. */
  message: string;
}

export interface BdImportResult {
  beads: Bead[];
  problems: BdImportProblem[];
}

/** Keys whose empty bd form (null, "", []) imports as our default; that exact form is kept for export. */
const EMPTY_FORM_KEYS = ['description', 'acceptance_criteria', 'assignee', 'closed_at', 'labels', 'dependencies'];

/** Our field -> bd key, so schema problems name the field as it appears in the file. */
const BD_NAME: Record<string, string> = {
  type: 'issue_type',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  closedAt: 'closed_at',
  acceptance: 'acceptance_criteria',
};

/**
 * Parses a whole issues.jsonl. Bad lines (not JSON, wrong field types, values our schema rejects,
 * duplicate ids) are reported with their line number and skipped; every good line becomes a bead.
 */
export function importBdJsonl(text: string, opts: BdImportOptions = {}): BdImportResult {
  const file = opts.file ?? 'issues.jsonl';
  const now = opts.now ?? new Date().toISOString();
  const by = opts.by ?? 'bd-import';
  const result: BdImportResult = { beads: [], problems: [] };
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    const line = i + 1;
    const body = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (body.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(body);
    } catch {
      const spot = locateJsonError(body);
      result.problems.push({ line, message: `${file}:${line}: not valid JSON at column ${spot.offset + 1}: ${spot.message}` });
      return;
    }
    const order = keyOrder(record, body);
    const imported = importBdRecord(record, { now, by, note: `${IMPORT_NOTE} (${file}:${line})`, order });
    if ('errors' in imported) {
      const id = isObject(record) && typeof record.id === 'string' ? ` ${record.id}` : '';
      for (const e of imported.errors) result.problems.push({ line, message: `${file}:${line}:${id}: ${e}` });
      return;
    }
    const first = seen.get(imported.bead.id);
    if (first !== undefined) {
      result.problems.push({ line, message: `${file}:${line}: duplicate id ${imported.bead.id} (first on line ${first}); skipped` });
      return;
    }
    seen.set(imported.bead.id, line);
    result.beads.push(imported.bead);
  });
  return result;
}

interface RecordContext {
  now: string;
  by: string;
  note: string;
  /** The record's keys as written (default: as JSON.parse lists them). */
  order?: string[];
}

/** One bd record -> one bead, or the list of everything wrong with it. */
export function importBdRecord(record: unknown, ctx: RecordContext): { bead: Bead } | { errors: string[] } {
  if (!isObject(record)) return { errors: ['expected a JSON object'] };
  const errors = checkShapes(record);
  const extras = record[GTH_KEY] === undefined ? { success: true as const, data: {} } : GthExtras.safeParse(record[GTH_KEY]);
  if (!extras.success) {
    for (const issue of extras.error.issues) errors.push(`${formatPath([GTH_KEY, ...issue.path])}: ${issue.message}`);
  }
  if (errors.length || !extras.success) return { errors };
  const x: GthExtras = extras.data;
  const r = record as unknown as BdShape;

  const bdStatus = r.status ?? 'open';
  const status = x.status !== undefined && OUR_STATUS_TO_BD[x.status] === bdStatus ? x.status : bdStatusToOurs(bdStatus);
  const bdType = r.issue_type ?? 'task';
  const type = x.type !== undefined && OUR_TYPE_TO_BD[x.type] === bdType ? x.type : bdTypeToOurs(bdType);
  const criteria = r.acceptance_criteria ?? '';
  const acceptance = x.acceptance !== undefined && acceptanceText(x.acceptance) === criteria ? x.acceptance : acceptanceFromText(criteria);

  const dependencies: Dependency[] = [];
  const dependencyTypes: [string, string][] = [];
  for (const d of r.dependencies ?? []) {
    const depType = d.type ?? BD_DEFAULT_DEP_TYPE;
    if (!BeadId.safeParse(d.depends_on_id).success) continue; // kept raw in bd.fields, see below
    const kind = bdDepToOurs(depType);
    dependencies.push({ id: d.depends_on_id, kind });
    if (kind !== depType) dependencyTypes.push([d.depends_on_id, depType]);
  }

  // Unknown keys verbatim; known keys in an empty form (null, "", []) too, so export can give that form back.
  const fields = Object.fromEntries(Object.entries(record).filter(([k]) => !KNOWN_BD_KEYS.has(k)));
  for (const key of EMPTY_FORM_KEYS) {
    if (Object.hasOwn(record, key) && isEmptyLike(record[key])) fields[key] = record[key];
  }

  const input: BeadInput = {
    id: r.id,
    title: r.title,
    description: r.description ?? '',
    type,
    role: x.role ?? null,
    rig: x.rig ?? null,
    convoy: x.convoy ?? null,
    status,
    priority: r.priority ?? 2,
    dependencies,
    acceptance,
    files: x.files ?? [],
    tokenEstimate: x.tokenEstimate ?? null,
    assignee: r.assignee ? { agent: r.assignee, model: x.model ?? null } : null,
    attempts: x.attempts ?? [],
    branch: x.branch ?? null,
    pr: x.pr ?? null,
    labels: r.labels ?? [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at ?? null,
    history: [...(x.history ?? []), { at: ctx.now, by: ctx.by, from: null, to: status, note: ctx.note }],
    bd: {
      ...(OUR_STATUS_TO_BD[status] !== bdStatus ? { status: bdStatus } : {}),
      ...(OUR_TYPE_TO_BD[type] !== bdType ? { issue_type: bdType } : {}),
      ...(dependencyTypes.length ? { dependency_types: Object.fromEntries(dependencyTypes) } : {}),
      fields,
      order: ctx.order ?? Object.keys(record),
    },
  };
  const parsed = Bead.safeParse(input);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((issue) => {
        const [head, ...rest] = issue.path;
        const name = typeof head === 'string' ? (BD_NAME[head] ?? head) : head;
        return `${formatPath(name === undefined ? [] : [name, ...rest])}: ${issue.message}`;
      }),
    };
  }
  const bead = parsed.data;
  // Keep bd's dependency records only where {id, kind} cannot rebuild them (extra keys, external targets).
  if (r.dependencies && !isEmptyLike(r.dependencies)) {
    const rebuilt = bdDependenciesOf({ ...bead, bd: { ...bead.bd!, fields: {} } });
    if (JSON.stringify(rebuilt) !== JSON.stringify(r.dependencies)) bead.bd!.fields.dependencies = r.dependencies;
  }
  return { bead };
}

interface BdDependencyShape {
  depends_on_id: string;
  type?: string;
}

interface BdShape {
  id: string;
  title: string;
  description?: string | null;
  acceptance_criteria?: string | null;
  status?: string;
  priority?: number;
  issue_type?: string;
  assignee?: string | null;
  created_at: string;
  updated_at: string;
  closed_at?: string | null;
  labels?: string[] | null;
  dependencies?: BdDependencyShape[] | null;
}

/** JSON-level type checks of the bd keys we map; the bead schema checks the values afterwards. */
function checkShapes(r: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const want = (key: string, ok: (v: unknown) => boolean, what: string, required = false): void => {
    if (!Object.hasOwn(r, key)) {
      if (required) errors.push(`${key}: missing (required)`);
      return;
    }
    if (!ok(r[key])) errors.push(`${key}: expected ${what}, got ${JSON.stringify(r[key])}`);
  };
  const str = (v: unknown): boolean => typeof v === 'string';
  const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
  // Objects cannot keep this key as data through validation; refuse rather than drop it silently.
  if (Object.hasOwn(r, '__proto__')) errors.push('__proto__: this key cannot be stored');
  want('id', str, 'a string', true);
  want('title', str, 'a string', true);
  want('description', strOrNull, 'a string');
  want('acceptance_criteria', strOrNull, 'a string');
  want('status', str, 'a string');
  want('priority', (v) => Number.isInteger(v), 'an integer');
  want('issue_type', str, 'a string');
  want('assignee', strOrNull, 'a string');
  want('created_at', str, 'a timestamp string', true);
  want('updated_at', str, 'a timestamp string', true);
  want('closed_at', strOrNull, 'a timestamp string');
  want('labels', (v) => v === null || (Array.isArray(v) && v.every(str)), 'an array of strings');
  want(
    'dependencies',
    (v) =>
      v === null ||
      (Array.isArray(v) &&
        v.every((d) => isObject(d) && typeof d.depends_on_id === 'string' && (d.type === undefined || typeof d.type === 'string'))),
    'an array of {depends_on_id, type}',
  );
  return errors;
}

/**
 * JS objects list integer-like keys ("2024") first, whatever the text said; only then is the
 * original order read from the text itself (the line is known to be valid JSON here).
 */
function keyOrder(record: unknown, text: string): string[] | undefined {
  if (!isObject(record) || !Object.keys(record).some((k) => /^\d+$/.test(k))) return undefined;
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  // A key written twice counts once, at its first place; JSON.parse kept its last value.
  return [...new Set(keys)];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
