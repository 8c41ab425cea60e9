// Vocabulary mapping between the `bd` CLI's issues.jsonl and our bead model, plus bd's JSON text style.
import { z } from 'zod';
import { Attempt, BeadType, DepKind, HistoryEntry, Role, Status } from './schema.js';
import type { Bead } from './schema.js';

/** bd status -> ours, for scheduling. Anything unknown is parked as blocked so no agent picks it up blindly. */
export const BD_STATUS_TO_OURS: Record<string, Status> = {
  '': 'open', // Go's zero value: bd treats an empty status as open
  open: 'open',
  in_progress: 'in_progress',
  blocked: 'blocked',
  closed: 'done',
  tombstone: 'cancelled',
  deferred: 'blocked',
  hooked: 'in_progress',
  pinned: 'open',
};
export const UNKNOWN_BD_STATUS: Status = 'blocked';

/** Our status -> the bd status `bd` understands (bd has no review, failed or cancelled). */
export const OUR_STATUS_TO_BD: Record<Status, string> = {
  open: 'open',
  in_progress: 'in_progress',
  blocked: 'blocked',
  review: 'in_progress',
  done: 'closed',
  failed: 'blocked',
  cancelled: 'closed',
};

/** bd issue_type -> ours. Gas Town's workflow types become the nearest schedulable kind. */
export const BD_TYPE_TO_OURS: Record<string, BeadType> = {
  '': 'task',
  task: 'task',
  bug: 'bug',
  feature: 'feature',
  epic: 'epic',
  chore: 'chore',
  'merge-request': 'task',
  gate: 'task',
  molecule: 'epic',
  convoy: 'epic',
  message: 'chore',
  agent: 'chore',
  role: 'chore',
  event: 'chore',
};
export const UNKNOWN_BD_TYPE: BeadType = 'task';

export const OUR_TYPE_TO_BD: Record<BeadType, string> = {
  task: 'task',
  bug: 'bug',
  feature: 'feature',
  test: 'task',
  docs: 'task',
  epic: 'epic',
  chore: 'chore',
};

/** bd dependency type -> our kind; `waits-for`-style gates block, other links are informational. */
export const BD_DEP_TO_OURS: Record<string, z.infer<typeof DepKind>> = {
  blocks: 'blocks',
  'parent-child': 'parent-child',
  related: 'related',
  'relates-to': 'related',
  'discovered-from': 'discovered-from',
  'waits-for': 'blocks',
  'conditional-blocks': 'blocks',
};
export const UNKNOWN_BD_DEP: z.infer<typeof DepKind> = 'related';
/** bd writes `blocks` when a dependency has no type. */
export const BD_DEFAULT_DEP_TYPE = 'blocks';

export function bdStatusToOurs(s: string): Status {
  return Object.hasOwn(BD_STATUS_TO_OURS, s) ? BD_STATUS_TO_OURS[s]! : UNKNOWN_BD_STATUS;
}
export function bdTypeToOurs(t: string): BeadType {
  return Object.hasOwn(BD_TYPE_TO_OURS, t) ? BD_TYPE_TO_OURS[t]! : UNKNOWN_BD_TYPE;
}
export function bdDepToOurs(t: string): z.infer<typeof DepKind> {
  return Object.hasOwn(BD_DEP_TO_OURS, t) ? BD_DEP_TO_OURS[t]! : UNKNOWN_BD_DEP;
}

/** bd's field order (its Go struct order), used for beads that did not come from bd. */
export const BD_KEY_ORDER = [
  'id',
  'title',
  'description',
  'acceptance_criteria',
  'status',
  'priority',
  'issue_type',
  'assignee',
  'created_at',
  'updated_at',
  'closed_at',
  'labels',
  'dependencies',
] as const;

/** The namespaced key bd ignores, holding what only our model has, so our beads survive a trip through bd. */
export const GTH_KEY = 'gth';

/** Everything we map to or from a bd field by name; all other bd keys are kept verbatim in `bd.fields`. */
export const KNOWN_BD_KEYS: ReadonlySet<string> = new Set<string>([...BD_KEY_ORDER, GTH_KEY]);

/** Our-only fields carried under `gth` (types from the bead schema, not written twice). */
export const GthExtras = z
  .strictObject({
    type: BeadType,
    status: Status,
    role: Role,
    rig: z.string().min(1),
    convoy: z.string().min(1),
    acceptance: z.array(z.string()),
    files: z.array(z.string()),
    tokenEstimate: z.int().nonnegative(),
    model: z.string().min(1),
    attempts: z.array(Attempt),
    branch: z.string().min(1),
    pr: z.int().positive(),
    history: z.array(HistoryEntry),
  })
  .partial();
export type GthExtras = z.infer<typeof GthExtras>;

/** The history note marking an import; such entries are our bookkeeping and are not exported. */
export const IMPORT_NOTE = 'imported from bd';
export function isImportEntry(h: Bead['history'][number]): boolean {
  return h.note !== undefined && (h.note === IMPORT_NOTE || h.note.startsWith(`${IMPORT_NOTE} `));
}

/**
 * JSON text the way bd (Go's encoding/json) writes it: like JSON.stringify, but with <, >, &,
 * U+2028 and U+2029 escaped. Those characters only occur inside strings, so a text pass is safe.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One JSON object line with keys in exactly the given order (a JS object would move integer-like keys first). */
export function goJsonObject(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${goJson(k)}:${goJson(v)}`).join(',')}}`;
}
