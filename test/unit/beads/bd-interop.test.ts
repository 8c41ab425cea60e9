// Tests for bd issues.jsonl interop: lossless round trip on real Gas Town records, mapping, edits, our beads, bad lines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exportBdJsonl, exportBdLine, importBdJsonl, isImportEntry } from '../../../src/beads/bd-interop.js';
import { goJson } from '../../../src/beads/bd-map.js';
import { parseBeadText, serializeBead } from '../../../src/beads/serialize.js';
import { Bead, Title, type BeadInput } from '../../../src/beads/schema.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/bd/gastown-issues.sample.jsonl', import.meta.url));
const NOW = '2026-02-03T04:05:06.000Z';
const fixture = readFileSync(FIXTURE, 'utf8');
const fixtureLines = fixture.split('\n').filter((l) => l !== '');

function importOk(text: string) {
  const r = importBdJsonl(text, { file: 'issues.jsonl', now: NOW });
  expect(r.problems).toEqual([]);
  return r.beads;
}

function one(record: Record<string, unknown>): Bead {
  const beads = importOk(JSON.stringify(record));
  expect(beads).toHaveLength(1);
  return beads[0]!;
}

const BASE = { id: 'gt-abc', title: 'A thing', status: 'open', priority: 2, issue_type: 'task', created_at: '2025-12-28T11:02:16.207055-08:00', updated_at: '2025-12-30T19:06:02.36645-08:00' };

describe('round trip on the real Gas Town fixture', () => {
  const beads = importOk(fixture);

  it('imports all 300 records', () => {
    expect(fixtureLines).toHaveLength(300);
    expect(beads).toHaveLength(300);
    expect(beads.map((b) => b.id)).toEqual(fixtureLines.map((l) => JSON.parse(l).id));
  });

  it('exports every record field for field (deep-equal per record)', () => {
    const out = exportBdJsonl(beads).split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(300);
    out.forEach((line, i) => expect(JSON.parse(line)).toEqual(JSON.parse(fixtureLines[i]!)));
  });

  it('exports byte-identical lines, also after a trip through our bead files', () => {
    const viaFiles = beads.map((b) => parseBeadText(serializeBead(b), `beads/${b.id}.json`));
    expect(exportBdJsonl(viaFiles)).toBe(fixture);
  });

  it('keeps bd timestamps as their exact strings (microseconds, offsets)', () => {
    const b = beads.find((x) => x.id === 'gt-5tnmc')!;
    expect(b.createdAt).toBe('2025-12-31T16:05:20.708263-08:00');
    expect(b.closedAt).toBe('2025-12-31T16:05:20.70823-08:00');
  });

  it('maps bd-only statuses, types and dependency types for scheduling and keeps the originals', () => {
    const byStatus = (s: string) => fixtureLines.map((l) => JSON.parse(l)).filter((r) => r.status === s).map((r) => r.id as string);
    const get = (id: string) => beads.find((b) => b.id === id)!;
    const expectations: [string, string][] = [['closed', 'done'], ['tombstone', 'cancelled'], ['hooked', 'in_progress'], ['deferred', 'blocked'], ['open', 'open']];
    for (const [bdStatus, ours] of expectations) {
      const ids = byStatus(bdStatus);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(get(id).status).toBe(ours);
    }
    expect(get(byStatus('tombstone')[0]!).bd?.status).toBe('tombstone');
    expect(get(byStatus('open')[0]!).bd?.status).toBeUndefined();

    const mr = beads.find((b) => b.bd?.issue_type === 'merge-request')!;
    expect(mr.type).toBe('task');
    expect(beads.find((b) => b.bd?.issue_type === 'molecule')!.type).toBe('epic');
    expect(beads.find((b) => b.bd?.issue_type === 'message')!.type).toBe('chore');

    const relates = beads.find((b) => Object.values(b.bd?.dependency_types ?? {}).includes('relates-to'))!;
    const target = Object.entries(relates.bd!.dependency_types!).find(([, t]) => t === 'relates-to')![0];
    expect(relates.dependencies).toContainEqual({ id: target, kind: 'related' });
  });

  it('keeps unknown bd fields in bd.fields and records the import once in history', () => {
    const b = beads.find((x) => x.id === 'gt-mol-p5zm')!;
    expect(b.bd?.fields).toMatchObject({ deleted_by: 'batch delete', delete_reason: 'batch delete', original_type: 'task' });
    expect(b.history).toHaveLength(1);
    expect(b.history[0]).toMatchObject({ at: NOW, from: null, to: 'cancelled' });
    expect(isImportEntry(b.history[0]!)).toBe(true);
    expect(b.history[0]!.note).toContain('issues.jsonl:1');
  });

  it('escapes <, > and & the way Go does (the fixture has them)', () => {
    expect(fixture).toContain('\\u003c');
    const out = exportBdJsonl(beads);
    expect(out).not.toMatch(/[<>&]/);
  });
});

describe('exporting edited bd beads', () => {
  it('a changed status is written in bd words and closed_at is added in order', () => {
    const b = one(BASE);
    const edited: Bead = { ...b, status: 'done', closedAt: '2026-01-01T00:00:00Z' };
    const rec = JSON.parse(exportBdLine(edited));
    expect(rec.status).toBe('closed');
    expect(rec.closed_at).toBe('2026-01-01T00:00:00Z');
    expect(Object.keys(rec)).toEqual([...Object.keys(BASE), 'closed_at']);
  });

  it('keeps closed_at consistent with the status, as bd requires', () => {
    const closed = one({ ...BASE, status: 'closed', closed_at: BASE.updated_at });
    const reopened = JSON.parse(exportBdLine({ ...closed, status: 'open' }));
    expect(reopened.status).toBe('open');
    expect(reopened.closed_at).toBeNull();
    const doneWithoutTime = JSON.parse(exportBdLine({ ...one(BASE), status: 'cancelled', updatedAt: '2026-01-09T00:00:00Z' }));
    expect(doneWithoutTime).toMatchObject({ status: 'closed', closed_at: '2026-01-09T00:00:00Z' });
  });

  it('a tombstone reopened by us exports as open, a still-cancelled one stays tombstone', () => {
    const b = one({ ...BASE, status: 'tombstone', deleted_at: BASE.updated_at });
    expect(JSON.parse(exportBdLine(b)).status).toBe('tombstone');
    expect(JSON.parse(exportBdLine({ ...b, status: 'open' })).status).toBe('open');
  });

  it('removing one dependency drops only its record; the others keep created_at/created_by', () => {
    const deps = [
      { issue_id: 'gt-abc', depends_on_id: 'gt-one', type: 'blocks', created_at: BASE.created_at, created_by: 'mayor' },
      { issue_id: 'gt-abc', depends_on_id: 'gt-two', type: 'relates-to', created_at: BASE.created_at, created_by: 'joe' },
    ];
    const b = one({ ...BASE, dependencies: deps });
    expect(b.dependencies).toEqual([{ id: 'gt-one', kind: 'blocks' }, { id: 'gt-two', kind: 'related' }]);
    const dropped = JSON.parse(exportBdLine({ ...b, dependencies: [b.dependencies[1]!] }));
    expect(dropped.dependencies).toEqual([deps[1]]);
    const added = JSON.parse(exportBdLine({ ...b, dependencies: [...b.dependencies, { id: 'gt-three', kind: 'discovered-from' }] }));
    expect(added.dependencies).toEqual([...deps, { issue_id: 'gt-abc', depends_on_id: 'gt-three', type: 'discovered-from' }]);
  });

  it('keeps dependencies on targets our ids cannot name', () => {
    const deps = [{ issue_id: 'gt-abc', depends_on_id: 'external:beads:bd-1', type: 'blocks' }];
    const line = JSON.stringify({ ...BASE, dependencies: deps });
    const [b] = importOk(line);
    expect(b!.dependencies).toEqual([]);
    expect(exportBdLine(b!)).toBe(line);
  });

  it('gives back empty forms bd may write (null, "", [])', () => {
    const line = JSON.stringify({ ...BASE, description: '', assignee: null, labels: [], dependencies: null, closed_at: null });
    expect(exportBdLine(importOk(line)[0]!)).toBe(line);
  });

  it('keeps an unknown status and type, parks the status as blocked, and keeps integer-like keys in place', () => {
    const line = `{"id":"gt-x","title":"t","status":"review-pending","priority":1,"issue_type":"saga","2024":"y","created_at":"${BASE.created_at}","updated_at":"${BASE.updated_at}"}`;
    const [b] = importOk(line);
    expect(b!.status).toBe('blocked');
    expect(b!.type).toBe('task');
    expect(exportBdLine(b!)).toBe(line);
  });
});

describe('beads created by us', () => {
  const T = '2026-01-05T10:00:00.000Z';
  const ours = Bead.parse({
    id: 'ab-7k2f',
    title: 'Beat-synced dash <fast>',
    description: 'Dash on the beat',
    type: 'test',
    role: 'refinery',
    rig: 'aerobeat',
    status: 'review',
    priority: 1,
    dependencies: [{ id: 'ab-0001', kind: 'blocks' }],
    acceptance: ['dash lasts 0.2 s', 'works with controller'],
    files: ['scripts/player.gd'],
    tokenEstimate: 1200,
    assignee: { agent: 'polecat-2', model: 'qwen2.5-coder-7b' },
    labels: ['gameplay'],
    createdAt: T,
    updatedAt: T,
    history: [{ at: T, by: 'mayor', from: null, to: 'open', note: 'created' }],
  } satisfies BeadInput);

  it('export with bd field names and values bd understands', () => {
    const rec = JSON.parse(exportBdLine(ours));
    expect(Object.keys(rec)).toEqual([
      'id', 'title', 'description', 'acceptance_criteria', 'status', 'priority', 'issue_type', 'assignee',
      'created_at', 'updated_at', 'labels', 'dependencies', 'gth',
    ]);
    expect(rec).toMatchObject({
      status: 'in_progress',
      issue_type: 'task',
      assignee: 'polecat-2',
      acceptance_criteria: '- dash lasts 0.2 s\n- works with controller',
      dependencies: [{ issue_id: 'ab-7k2f', depends_on_id: 'ab-0001', type: 'blocks' }],
    });
    expect(rec.gth).toMatchObject({ type: 'test', status: 'review', role: 'refinery', model: 'qwen2.5-coder-7b', files: ['scripts/player.gd'] });
    expect(rec.gth.history).toHaveLength(1);
  });

  it('a bare bead exports only what bd needs', () => {
    const bare = Bead.parse({ id: 'ab-1', title: 't', createdAt: T, updatedAt: T });
    expect(exportBdLine(bare)).toBe(`{"id":"ab-1","title":"t","status":"open","priority":2,"issue_type":"task","created_at":"${T}","updated_at":"${T}"}`);
  });

  it('come back unchanged from a bd export -> import trip (plus one import entry)', () => {
    const [back] = importOk(exportBdLine(ours));
    const { bd: _bd, history, ...rest } = back!;
    const { history: origHistory, ...origRest } = ours;
    expect(rest).toEqual(origRest);
    expect(history.slice(0, -1)).toEqual(origHistory);
    expect(isImportEntry(history.at(-1)!)).toBe(true);
    // And exporting again gives the same line: the import entry is our bookkeeping, not bd data.
    expect(exportBdLine(back!)).toBe(exportBdLine(ours));
  });

  it('a bd-side status change wins over our finer status kept under gth', () => {
    const rec = JSON.parse(exportBdLine(ours));
    const [back] = importOk(JSON.stringify({ ...rec, status: 'closed' }));
    expect(back!.status).toBe('done');
  });
});

describe('bad lines', () => {
  it('reports each bad line with its number and reason, and imports the good ones', () => {
    const good = JSON.stringify(BASE);
    const text = [
      good,
      '{"id": "gt-b", "title": }',
      '[1, 2]',
      JSON.stringify({ ...BASE, id: 'gt-c', priority: 7 }),
      JSON.stringify({ ...BASE, id: 'gt-d', labels: 'x', created_at: undefined }),
      JSON.stringify({ ...BASE, id: 'gt-e', gth: { role: 'wizard' } }),
      JSON.stringify({ ...BASE, id: 'gt-f', created_at: 'yesterday' }),
      '',
      `${JSON.stringify({ ...BASE, id: 'gt-g' })}\r`,
      good,
    ].join('\n');
    const r = importBdJsonl(text, { file: 'issues.jsonl', now: NOW });
    expect(r.beads.map((b) => b.id)).toEqual(['gt-abc', 'gt-g']);
    const byLine = (n: number) => r.problems.filter((p) => p.line === n).map((p) => p.message);
    expect(byLine(2)[0]).toMatch(/^issues\.jsonl:2: not valid JSON at column 25: unexpected character "}"/);
    expect(byLine(3)[0]).toContain('expected a JSON object');
    expect(byLine(4)[0]).toMatch(/^issues\.jsonl:4: gt-c: priority: /);
    expect(byLine(5)).toHaveLength(2);
    expect(byLine(5)).toEqual(
      expect.arrayContaining([expect.stringContaining('labels: expected an array of strings, got "x"'), expect.stringContaining('created_at: missing')]),
    );
    expect(byLine(6)[0]).toContain('gth.role');
    expect(byLine(7)[0]).toContain('gt-f: created_at:');
    expect(byLine(10)[0]).toContain('duplicate id gt-abc (first on line 1)');
    expect(r.problems).toHaveLength(8);
  });
});

describe('round trip of generated bd records (property)', () => {
  const ts = fc
    .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().replace('Z', '123-08:00'));
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '<', '>', '&', '"', '\\', '\n', 'é', '\u2028', '🚀') });
  const extraKey = fc.stringMatching(/^x_[a-z_]{1,8}$/);
  const record = fc
    .record(
      {
        id: fc.stringMatching(/^gt-[a-z0-9]{1,5}(\.[0-9])?$/),
        title: text.filter((t) => Title.safeParse(t).success),
        description: text,
        status: fc.constantFrom('open', 'in_progress', 'blocked', 'closed', 'tombstone', 'deferred', 'hooked', 'pinned', 'odd'),
        priority: fc.integer({ min: 0, max: 4 }),
        issue_type: fc.constantFrom('task', 'bug', 'epic', 'merge-request', 'molecule', 'gate', 'custom'),
        assignee: fc.stringMatching(/^[a-z/]{1,10}$/),
        created_at: ts,
        updated_at: ts,
        closed_at: ts,
        labels: fc.array(text),
        dependencies: fc.array(
          fc.record({
            depends_on_id: fc.stringMatching(/^gt-[a-z0-9]{1,4}$/),
            type: fc.constantFrom('blocks', 'parent-child', 'related', 'relates-to', 'discovered-from', 'tracks'),
            created_by: fc.constantFrom('mayor', 'deacon'),
          }),
          { maxLength: 3 },
        ),
        notes: text,
        extra: fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      },
      { requiredKeys: ['id', 'title', 'created_at', 'updated_at'] },
    )
    .map(({ extra, dependencies, closed_at, ...r }) => {
      const deps = dependencies?.map((d) => ({ issue_id: r.id, ...d }));
      // bd's own rule: closed_at exactly when closed (other states, such as tombstone, may keep one).
      const status = r.status ?? 'open';
      const closed = status === 'closed' ? r.updated_at : ['open', 'in_progress', 'blocked'].includes(status) ? undefined : closed_at;
      return { ...r, ...(closed ? { closed_at: closed } : {}), ...(deps ? { dependencies: deps } : {}), ...extra };
    });

  it('export(import(line)) === line', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        const unique = [...new Map(records.map((r) => [r.id, r])).values()];
        // bd's (Go's) text: JSON with <, >, &, U+2028/9 escaped.
        const lines = unique.map((r) => goJson(r)).join('\n');
        const beads = importOk(`${lines}\n`);
        expect(exportBdJsonl(beads)).toBe(`${lines}\n`);
        beads.forEach((b, i) => expect(JSON.parse(exportBdLine(b))).toEqual(JSON.parse(JSON.stringify(unique[i]))));
      }),
      { numRuns: 150 },
    );
  });
});
