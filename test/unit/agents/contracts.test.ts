// Agent output contracts: Mayor plan -> beads (whole or not at all), Crew, Refinery review/tests, model JSON parsing.
import { describe, expect, it } from 'vitest';
import { Bead } from '../../../src/beads/schema.js';
import { CrewAnswer, MayorPlan, RefineryReview, RefineryTests, checkCitations, planCycles, planToBeads } from '../../../src/agents/contracts.js';
import { parseContract } from '../../../src/agents/model-json.js';

const NOW = '2026-01-29T10:00:00.000Z';

function plan(beads: unknown[]): unknown {
  return { title: 'Combo milestones', plan: '# Plan\n\nAdd combo milestones.', beads };
}
const bead = (key: string, deps: string[] = [], extra: Record<string, unknown> = {}) => ({
  key,
  title: `Do ${key}`,
  role: 'polecat',
  rig: 'aerobeat-mini',
  files: ['scripts/combo_counter.gd'],
  acceptance: ['tests pass'],
  deps,
  ...extra,
});
const counterIds = () => {
  let n = 0;
  return (key: string) => `ab-${key.slice(0, 3)}${++n}`;
};

describe('planToBeads', () => {
  it('turns a valid plan into beads with ids from the generator and deps mapped to those ids', () => {
    const result = planToBeads(
      plan([bead('tests', [], { role: 'refinery', type: 'test', priority: 1 }), bead('impl', ['tests']), bead('docs', ['impl', 'tests'], { role: 'librarian', type: 'docs', files: [] })]),
      { newId: counterIds(), now: NOW, convoy: 'ab-cv01', rigs: ['aerobeat-mini'] },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.beads.map((b) => [b.id, b.role, b.type, b.priority, b.dependencies.map((d) => d.id)])).toEqual([
      ['ab-tes1', 'refinery', 'test', 1, []],
      ['ab-imp2', 'polecat', 'task', 2, ['ab-tes1']],
      ['ab-doc3', 'librarian', 'docs', 2, ['ab-imp2', 'ab-tes1']],
    ]);
    for (const b of result.beads) {
      expect(Bead.parse(b)).toEqual(b);
      expect(b.convoy).toBe('ab-cv01');
      expect(b.status).toBe('open');
      expect(b.history).toEqual([{ at: NOW, by: 'mayor', from: null, to: 'open', note: 'planned from "Combo milestones"' }]);
    }
    expect(result.beads[1]!.labels).toEqual(['plan-key:impl']);
  });

  it('rejects a cyclic plan whole, naming the cycle', () => {
    const result = planToBeads(plan([bead('a', ['c']), bead('b', ['a']), bead('c', ['b']), bead('d')]), { newId: counterIds(), now: NOW, convoy: null });
    expect(result).toEqual({ ok: false, problems: ['dependency cycle: a -> c -> b -> a'] });
  });

  it('lists every problem at once: unknown dep, self dep, duplicate key, unknown rig, polecat without files', () => {
    const result = planToBeads(
      plan([bead('a', ['zzz']), bead('a'), bead('b', ['b'], { rig: 'other' }), bead('c', [], { files: [] })]),
      { newId: counterIds(), now: NOW, convoy: null, rigs: ['aerobeat-mini'] },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'beads[1].key: duplicate key "a"',
      'beads[0].deps[0]: unknown key "zzz" (known: a, b, c)',
      'beads[2].deps[0]: "b" depends on itself',
      'beads[2].rig: unknown rig "other" (known: aerobeat-mini)',
      'beads[3].files: a polecat bead must name the files it will change',
    ]);
  });

  it('reports schema problems with their paths and never calls the id generator for a bad plan', () => {
    let calls = 0;
    const result = planToBeads(plan([bead('a', [], { role: 'mayor', acceptance: [], priority: 9, files: ['../x.gd'] })]), {
      newId: () => `ab-x${++calls}`,
      now: NOW,
      convoy: null,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.split(':')[0])).toEqual(['beads[0].role', 'beads[0].files[0]', 'beads[0].acceptance', 'beads[0].priority']);
    expect(calls).toBe(0);
    const crew = planToBeads(plan([bead('a', [], { role: 'crew' })]), { newId: () => 'ab-x1', now: NOW, convoy: null });
    expect(crew.ok).toBe(false);
  });

  it('fails whole when the id generator returns an invalid or repeated id', () => {
    const result = planToBeads(plan([bead('a'), bead('b')]), { newId: () => 'ab-same', now: NOW, convoy: null });
    expect(result).toEqual({ ok: false, problems: ['id generator returned "ab-same" twice'] });
    const bad = planToBeads(plan([bead('a')]), { newId: () => 'not an id', now: NOW, convoy: null });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]).toMatch(/^beads\[0\] \(a\) as bead: id:/);
  });

  it('finds each cycle, including two separate ones', () => {
    expect(planCycles([{ key: 'a', deps: ['b'] }, { key: 'b', deps: ['a'] }, { key: 'c', deps: ['d'] }, { key: 'd', deps: ['c'] }])).toEqual([
      ['a', 'b', 'a'],
      ['c', 'd', 'c'],
    ]);
  });
});

describe('parseContract', () => {
  it('reads JSON from a fenced model answer and tolerates extra keys', () => {
    const text = 'Here is the plan:\n```json\n' + JSON.stringify({ ...(plan([bead('a')]) as object), chatter: true }) + '\n```\nDone.';
    const r = parseContract(MayorPlan, text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.beads[0]!.priority).toBe(2);
  });
  it('reports garbage and schema errors as problems to send back', () => {
    expect(parseContract(MayorPlan, 'I cannot do that')).toEqual({ ok: false, problems: [expect.stringMatching(/^not valid JSON/)] });
    const r = parseContract(MayorPlan, '{"title": "x", "plan": "", "beads": []}');
    expect(r).toEqual({ ok: false, problems: ['plan: plan must not be empty', 'beads: a plan needs at least one bead'] });
  });
});

describe('CrewAnswer', () => {
  it('requires citations for a found answer and the exact phrase when not found', () => {
    expect(CrewAnswer.safeParse({ answer: 'Use GUT.', found: true, citations: [] }).success).toBe(false);
    expect(CrewAnswer.safeParse({ answer: 'I think it is 120 BPM.', found: false }).success).toBe(false);
    expect(CrewAnswer.parse({ answer: "That is not in the rig's docs.", found: false }).citations).toEqual([]);
  });
  it('flags citations of files the Crew was not given', () => {
    const a = CrewAnswer.parse({ answer: 'GUT 9', found: true, citations: ['README.md', 'docs/made-up.md'] });
    expect(checkCitations(a, ['README.md', 'AGENTS.md'])).toEqual(['citations: "docs/made-up.md" is not one of the rig files provided']);
  });
});

describe('RefineryReview and RefineryTests', () => {
  it('accepts a review with line comments and refuses approval when coverage fails', () => {
    const review = { verdict: 'request_changes', summary: 'Missing reset', comments: [{ path: 'scripts/combo_counter.gd', line: 12, body: 'reset the multiplier too' }], coverage: { ok: false, detail: '3/5 functions tested' } };
    expect(RefineryReview.parse(review).comments[0]!.line).toBe(12);
    const approve = RefineryReview.safeParse({ ...review, verdict: 'approve' });
    expect(approve.success).toBe(false);
    const noComments = RefineryReview.safeParse({ ...review, comments: [] });
    expect(noComments.success).toBe(false);
  });
  it('needs either files or edit blocks for tests', () => {
    expect(RefineryTests.safeParse({ summary: 'nothing' }).success).toBe(false);
    expect(RefineryTests.parse({ files: [{ path: 'test/unit/test_combo.gd', content: 'extends GutTest\n' }] }).edits).toBe('');
    expect(RefineryTests.safeParse({ files: [{ path: '/etc/passwd', content: 'x' }] }).success).toBe(false);
  });
});
