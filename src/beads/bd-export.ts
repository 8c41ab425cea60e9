// Beads -> bd's issues.jsonl: original bd values and key order given back exactly, our beads in bd's field names.
import { BeadId, type Bead } from './schema.js';
import {
  BD_DEFAULT_DEP_TYPE,
  BD_KEY_ORDER,
  GTH_KEY,
  KNOWN_BD_KEYS,
  OUR_STATUS_TO_BD,
  OUR_TYPE_TO_BD,
  bdDepToOurs,
  bdStatusToOurs,
  bdTypeToOurs,
  goJsonObject,
  isImportEntry,
  type GthExtras,
} from './bd-map.js';

/** What an import makes of a missing key, as a bd value: such values are left out unless bd had the key. */
const ABSENT: Record<string, unknown> = {
  description: '',
  acceptance_criteria: '',
  status: 'open',
  priority: 2,
  issue_type: 'task',
  assignee: null,
  closed_at: null,
  labels: [],
  dependencies: [],
  [GTH_KEY]: {},
};

/** Keys a bead that did not come from bd always carries (bd needs them). */
const ALWAYS = new Set(['id', 'title', 'status', 'priority', 'issue_type', 'created_at', 'updated_at']);

export function exportBdJsonl(beads: readonly Bead[]): string {
  return beads.map((b) => `${exportBdLine(b)}\n`).join('');
}

/** One issues.jsonl line (no newline) for a bead. */
export function exportBdLine(bead: Bead): string {
  return goJsonObject(exportBdEntries(bead));
}

/** The bd record as ordered [key, value] pairs. */
export function exportBdEntries(bead: Bead): [string, unknown][] {
  const order = bead.bd?.order;
  const fields = bead.bd?.fields ?? {};
  const entries: [string, unknown][] = [];
  const done = new Set<string>();

  const emitKnown = (key: string, force: boolean): void => {
    let value = knownValue(bead, key);
    const differs = !(key in ABSENT) || !sameJson(value, ABSENT[key]);
    // bd wrote an empty form (null, "", []) that imports as our default: give that exact form back.
    if (!differs && Object.hasOwn(fields, key) && isEmptyLike(fields[key])) value = fields[key];
    else if (!differs && !force) return;
    entries.push([key, value]);
  };

  for (const key of order ?? []) {
    if (done.has(key)) continue;
    done.add(key);
    if (KNOWN_BD_KEYS.has(key)) emitKnown(key, true);
    else if (Object.hasOwn(fields, key)) entries.push([key, fields[key]]);
  }
  for (const key of [...BD_KEY_ORDER, GTH_KEY]) {
    if (done.has(key)) continue;
    done.add(key);
    emitKnown(key, order === undefined && ALWAYS.has(key));
  }
  for (const key of Object.keys(fields).sort()) {
    if (!done.has(key) && !KNOWN_BD_KEYS.has(key)) entries.push([key, fields[key]]);
  }
  return entries;
}

function knownValue(bead: Bead, key: string): unknown {
  switch (key) {
    case 'id':
      return bead.id;
    case 'title':
      return bead.title;
    case 'description':
      return bead.description;
    case 'acceptance_criteria':
      return acceptanceText(bead.acceptance);
    case 'status':
      return bdStatusOf(bead);
    case 'priority':
      return bead.priority;
    case 'issue_type':
      return bdTypeOf(bead);
    case 'assignee':
      return bead.assignee?.agent ?? null;
    case 'created_at':
      return bead.createdAt;
    case 'updated_at':
      return bead.updatedAt;
    case 'closed_at':
      return bdClosedAtOf(bead);
    case 'labels':
      return bead.labels;
    case 'dependencies':
      return bdDependenciesOf(bead);
    case GTH_KEY:
      return gthExtrasOf(bead);
    default:
      throw new Error(`no bd mapping for key ${key}`);
  }
}

/** bd refuses a closed issue without closed_at and an open one with it (its data rule since bd-224). */
export function bdClosedAtOf(bead: Bead): string | null {
  const status = bdStatusOf(bead);
  if (status === 'closed') return bead.closedAt ?? bead.updatedAt;
  if (OPEN_BD_STATUSES.has(status)) return null;
  return bead.closedAt;
}
const OPEN_BD_STATUSES = new Set(['open', 'in_progress', 'blocked']);

/** bd keeps acceptance criteria as one text; one criterion is that text, several become a bullet list. */
export function acceptanceText(acceptance: readonly string[]): string {
  if (acceptance.length <= 1) return acceptance[0] ?? '';
  return acceptance.map((a) => `- ${a}`).join('\n');
}

/** The original bd status while it still means our status, else bd's word for ours. */
export function bdStatusOf(bead: Bead): string {
  const original = bead.bd?.status;
  if (original !== undefined && bdStatusToOurs(original) === bead.status) return original;
  return OUR_STATUS_TO_BD[bead.status];
}

export function bdTypeOf(bead: Bead): string {
  const original = bead.bd?.issue_type;
  if (original !== undefined && bdTypeToOurs(original) === bead.type) return original;
  return OUR_TYPE_TO_BD[bead.type];
}

type RawDep = Record<string, unknown> & { depends_on_id?: unknown; type?: unknown };

/**
 * Dependencies as bd records. bd's own records (with created_at, created_by...) are kept in
 * `bd.fields.dependencies` when our {id, kind} cannot rebuild them; each one still present is given back
 * unchanged and in place, new ones are appended, removed ones dropped.
 */
export function bdDependenciesOf(bead: Bead): Record<string, unknown>[] {
  const raw = bead.bd?.fields?.dependencies;
  const rawDeps = Array.isArray(raw) ? (raw.filter((r) => r !== null && typeof r === 'object') as RawDep[]) : [];
  const used = new Set<number>();
  const out: Record<string, unknown>[] = [];
  for (const r of rawDeps) {
    const target = r.depends_on_id;
    if (typeof target !== 'string' || !BeadId.safeParse(target).success) {
      out.push(r); // a target our ids cannot name (e.g. an external ref): never modelled, so never removed
      continue;
    }
    const kind = bdDepToOurs(typeof r.type === 'string' ? r.type : BD_DEFAULT_DEP_TYPE);
    const j = bead.dependencies.findIndex((d, i) => !used.has(i) && d.id === target && d.kind === kind);
    if (j >= 0) {
      used.add(j);
      out.push(r);
    }
  }
  bead.dependencies.forEach((d, i) => {
    if (used.has(i)) return;
    const original = bead.bd?.dependency_types?.[d.id];
    const type = original !== undefined && bdDepToOurs(original) === d.kind ? original : d.kind;
    out.push({ issue_id: bead.id, depends_on_id: d.id, type });
  });
  return out;
}

/** Our-only fields, under a key bd ignores; empty when bd's own fields already say everything. */
export function gthExtrasOf(bead: Bead): GthExtras {
  const x: GthExtras = {};
  if (bdTypeToOurs(bdTypeOf(bead)) !== bead.type) x.type = bead.type;
  if (bdStatusToOurs(bdStatusOf(bead)) !== bead.status) x.status = bead.status;
  if (bead.role !== null) x.role = bead.role;
  if (bead.rig !== null) x.rig = bead.rig;
  if (bead.convoy !== null) x.convoy = bead.convoy;
  if (!sameJson(acceptanceFromText(acceptanceText(bead.acceptance)), bead.acceptance)) x.acceptance = bead.acceptance;
  if (bead.files.length) x.files = bead.files;
  if (bead.tokenEstimate !== null) x.tokenEstimate = bead.tokenEstimate;
  if (bead.assignee?.model) x.model = bead.assignee.model;
  if (bead.attempts.length) x.attempts = bead.attempts;
  if (bead.branch !== null) x.branch = bead.branch;
  if (bead.pr !== null) x.pr = bead.pr;
  const history = bead.history.filter((h) => !isImportEntry(h));
  if (history.length) x.history = history;
  return x;
}

/** What an import makes of bd's acceptance_criteria text. */
export function acceptanceFromText(text: string | null | undefined): string[] {
  return text ? [text] : [];
}

export function isEmptyLike(v: unknown): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
