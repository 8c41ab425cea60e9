// Bead and convoy ids, bead files and model-written plans are validated before anything becomes a path.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { assertBeadId } from '../../../src/beads/ids.js';
import { Bead, isBeadId } from '../../../src/beads/schema.js';
import { serializeBead } from '../../../src/beads/serialize.js';
import { importBdJsonl } from '../../../src/beads/bd-interop.js';
import { planToBeads } from '../../../src/agents/contracts.js';
import { UsageError } from '../../../src/util/errors.js';
import { tempDir } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-ids-'));
});
afterEach(() => cleanup());

const BAD_IDS = ['../../evil', 'ab-x/../../y', '/etc/passwd', 'ab-..', 'ab-x..y', 'ab-x.', 'AB-7K2F', 'ab_x-1', 'ab-', '-x', 'ab', `ab-${'x'.repeat(70)}`, 'ab-x\0'];
const bead = (over: Record<string, unknown> = {}) =>
  ({ id: 'ab-7k2f', title: 't', createdAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z', ...over });

describe('bead ids', () => {
  it('accepts every id and dependency id of the real bd exports', () => {
    for (const file of ['test/fixtures/bd/gastown-issues.sample.jsonl', '../shared/fixtures/bd/gastown-issues.sample.jsonl']) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // the shared copy exists only in the lead's checkout
      }
      const ids = [...text.matchAll(/"(?:id|depends_on_id|issue_id)":"([^"]*)"/g)].map((m) => m[1]!);
      expect(ids.length).toBeGreaterThan(100);
      expect(ids.filter((id) => !isBeadId(id))).toEqual([]);
      expect(importBdJsonl(text, { file }).problems).toEqual([]);
    }
  });

  it('refuses path-like and malformed ids with a usage error naming the id and the form', () => {
    for (const id of BAD_IDS) {
      expect(isBeadId(id), id).toBe(false);
      expect(() => assertBeadId(id), id).toThrow(UsageError);
    }
    expect(() => assertBeadId('../../evil')).toThrow('bead id "../../evil" is invalid: expected <prefix>-<base36>');
  });

  it('never reads or writes a file outside beads/ for a bad id, and does not even create the folder', async () => {
    const store = new BeadStore({ dir: join(root, 'town', 'beads'), prefix: 'ab' });
    // A valid bead file where `beads/../../evil.json` points: today's store would rewrite it.
    const evil = join(root, 'evil.json');
    const original = serializeBead(Bead.parse(bead({ id: 'ab-evil' })));
    await writeFile(evil, original);
    await expect(store.update('../../evil', (d) => void (d.title = 'hacked'))).rejects.toThrow(/bead id "..\/..\/evil" is invalid/);
    await expect(store.get('../../evil')).rejects.toThrow(UsageError);
    await expect(store.getConvoy('../x')).rejects.toThrow(/convoy id "..\/x" is invalid/);
    await expect(store.create({ id: '../x', title: 't' })).rejects.toThrow(UsageError);
    await expect(store.createConvoy({ id: '../x', title: 't' })).rejects.toThrow(UsageError);
    await expect(store.createMany([{ id: '../x', title: 't' }])).rejects.toThrow(/nothing written.*\n.*"..\/x" is invalid/);
    expect(await readFile(evil, 'utf8')).toBe(original);
    expect(await readdir(root)).toEqual(['evil.json']);
  });

  it('reports a bead file whose name is not an id instead of reading it', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab' });
    const good = await store.create({ title: 'good' });
    await writeFile(join(root, 'beads', 'Not An Id.json'), serializeBead(Bead.parse(bead({ id: 'ab-zzzz' }))));
    const scan = await store.scan();
    expect(scan.beads.map((b) => b.bead.id)).toEqual([good.id]);
    expect(scan.problems.map((p) => p.message)).toEqual([expect.stringMatching(/Not An Id\.json: the file name is not a bead id: expected <prefix>-<base36>/)]);
  });
});

describe('the Bead schema guards convoy, files and dependencies', () => {
  it('refuses a convoy that is not an id, unsafe files, and dependencies on malformed ids', () => {
    const issues = (over: Record<string, unknown>) => {
      const r = Bead.safeParse(bead(over));
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ convoy: '../x' })).toEqual([expect.stringMatching(/^convoy: expected an id of the form <prefix>-<base36>/)]);
    expect(issues({ files: ['../outside.gd'] })).toEqual(['files.0: file "../outside.gd" must not contain ".." segments']);
    expect(issues({ files: ['scripts/../../x.gd'] })).toHaveLength(1);
    expect(issues({ files: ['/etc/passwd'] })).toEqual(['files.0: file "/etc/passwd" must be relative to the rig, not absolute']);
    expect(issues({ files: ['C:/x.gd'] })).toHaveLength(1);
    expect(issues({ files: ['scripts\\x.gd'] })).toEqual(['files.0: file "scripts\\x.gd" must use "/" separators, not backslashes']);
    expect(issues({ files: ['a\0b'] })).toEqual(['files.0: file "a\0b" must not contain a NUL character']);
    expect(issues({ files: [''] })).toHaveLength(1);
    expect(issues({ dependencies: [{ id: '../y', kind: 'blocks' }] })).toEqual([expect.stringMatching(/^dependencies.0.id: expected an id of the form/)]);
    expect(issues({ convoy: 'ab-cv1', files: ['scripts/combo.gd', 'test/unit/test_combo.gd', './x.gd'], dependencies: [{ id: 'gt-abc.1', kind: 'blocks' }] })).toEqual([]);
  });

  it('sends a Mayor plan that names files outside the rig back as a problem, creating no bead', () => {
    const plan = {
      title: 'Combo',
      plan: '# plan',
      beads: [{ key: 'a', title: 'Combo counter', description: '', type: 'feature', role: 'polecat', rig: 'aerobeat-mini', files: ['../../etc/passwd'], acceptance: ['x'], deps: [], priority: 2 }],
    };
    const r = planToBeads(plan, { newId: () => 'ab-1234', now: '2026-03-01T10:00:00.000Z', convoy: 'ab-cv12' });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual([expect.stringContaining('files')]);
    expect(JSON.stringify(r)).toContain('..');
  });

  it('bd import refuses a record whose id could escape the folder, naming the line', () => {
    const line = JSON.stringify({ id: '../../evil', title: 'x', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });
    const r = importBdJsonl(`${line}\n`, { file: 'issues.jsonl' });
    expect(r.beads).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^issues\.jsonl:1: \.\.\/\.\.\/evil: id: expected an id of the form/)]);
  });
});

