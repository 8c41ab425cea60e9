// Pure: the body of the convoy's delivery PR (`convoy/<id>` -> default branch): plan, beads with their PRs, tests, review verdicts, cost.
import type { Bead, Convoy } from '../beads/schema.js';
import type { ConvoyCost } from '../cost/ledger.js';
import { neutralize } from './public-text.js';

export const CONVOY_PR_MARKER = '<!-- gth:convoy-pr -->';

/** The last review verdict in a bead's history (the machine's notes: "approved by ...", "changes requested by ..."). */
export function reviewVerdict(bead: Pick<Bead, 'history'>): string {
  for (const h of [...bead.history].reverse()) {
    const note = h.note ?? '';
    if (/^approved by /.test(note)) return note.split(':')[0]!;
    if (/^changes requested by /.test(note)) return note.replace(/;.*$/, '');
  }
  return 'no review';
}

function cell(text: string): string {
  return neutralize(text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).trim());
}

export function renderConvoyPrBody(convoy: Convoy, beads: Bead[], plan: string | null, cost: ConvoyCost | null, testDirs: string[] = []): string {
  const rows = beads.map((b) => {
    const tests = b.files.filter((f) => testDirs.some((d) => f.startsWith(`${d}/`)));
    return `| \`${b.id}\` | ${cell(b.title)} | ${b.status} | ${b.pr ? `#${b.pr}` : '-'} | ${tests.length ? tests.map((t) => `\`${cell(t)}\``).join(', ') : '-'} | ${cell(reviewVerdict(b))} |`;
  });
  const costLine = cost
    ? `${cost.calls} model call(s), ${cost.localCalls} local; ${cost.seconds.toFixed(0)} s; ${cost.energyWh.toFixed(1)} Wh; $${cost.usd.toFixed(4)} (from the ledger)`
    : 'not recorded (no ledger on the app host)';
  return [
    CONVOY_PR_MARKER,
    `Convoy \`${convoy.id}\`: ${cell(convoy.title)}${convoy.epic ? ` (closes #${convoy.epic.issue} when merged)` : ''}.`,
    '',
    '### Beads',
    '| bead | title | status | PR | tests | review |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `### Cost`,
    costLine,
    '',
    '### Plan',
    plan ? neutralize(plan.trim()) : '_No plan document on the convoy branch._',
  ].join('\n');
}
