// Role briefs: versioned templates of ~2k tokens, filled for a rig with its docs attached, consistent with the contracts.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { encode } from 'gpt-tokenizer';
import { ROLES } from '../../../src/beads/schema.js';
import { loadBrief, readTemplate, briefText, DEFAULT_TEMPLATES_DIR } from '../../../src/agents/briefs/load.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { ASK_CREW, ASK_CREW_FIELD, CrewAnswer, MAX_CREW_CONSULTS, MayorPlan, RefineryReview, RefineryTests, planToBeads } from '../../../src/agents/contracts.js';
import { checkGdscript } from '../../../src/agents/guard/check.js';
import { parseEditBlocks } from '../../../src/agents/edits/parse.js';
import { AEROBEAT_MINI, copyAerobeatMini } from './helpers/godot-shim.js';

const rig = loadRigConfig(AEROBEAT_MINI);
const fences = (text: string, lang: string): string[] => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```', 'g'))].map((m) => m[1]!);

describe('brief templates', () => {
  it.each(ROLES.map((r) => [r]))('%s: has a version header and about 2k tokens (1.5k-2.5k)', (role) => {
    const t = readTemplate(role);
    expect(t.version).toMatch(/^\d+\.\d+\.\d+$/);
    const tokens = encode(t.body).length;
    expect(tokens).toBeGreaterThanOrEqual(1500);
    expect(tokens).toBeLessThanOrEqual(2500);
  });

  it('states each role contract', () => {
    const body = (r: (typeof ROLES)[number]) => readTemplate(r).body;
    expect(body('crew')).toContain("not in the rig's docs");
    expect(body('polecat')).toContain('<<<<<<< SEARCH');
    expect(body('polecat')).toMatch(/search\/replace blocks ONLY/);
    expect(body('librarian')).toMatch(/never change code/i);
    expect(body('refinery')).toMatch(/tests first/i);
    expect(body('mayor')).toContain('"acceptance"');
  });

  it('tells every working role how to ask the Crew, with the one field name and the engine\'s limit', () => {
    for (const role of ['refinery', 'librarian'] as const) expect(readTemplate(role).body).toContain(`{"${ASK_CREW_FIELD}": "<your question>"}`);
    expect(readTemplate('polecat').body).toContain(`${ASK_CREW} <your question>`);
    for (const role of ['polecat', 'refinery', 'librarian'] as const) expect(loadBrief(role, { rig }).body).toContain(`at most ${MAX_CREW_CONSULTS} per task`);
  });

  it('contains no Godot 3 code in its GDScript examples', () => {
    for (const role of ROLES) {
      for (const code of fences(readTemplate(role).body, 'gdscript')) expect(checkGdscript(`${role}.md`, code)).toEqual([]);
    }
  });

  it('gives JSON examples that satisfy the output contracts', () => {
    const mayor = fences(readTemplate('mayor').body, 'json');
    expect(mayor).toHaveLength(1);
    const plan = MayorPlan.parse(JSON.parse(mayor[0]!));
    let n = 0;
    expect(planToBeads(plan, { newId: () => `ab-ex${++n}`, now: '2026-01-29T10:00:00Z', convoy: null, rigs: ['aerobeat-mini'] }).ok).toBe(true);
    const crew = fences(readTemplate('crew').body, 'json');
    expect(crew.map((j) => CrewAnswer.parse(JSON.parse(j)).found)).toEqual([true, false]);
    const [tests, review] = fences(readTemplate('refinery').body, 'json');
    expect(RefineryTests.parse(JSON.parse(tests!)).files[0]!.path).toMatch(/^test\//);
    expect(RefineryReview.parse(JSON.parse(review!)).verdict).toBe('request_changes');
    const lib = JSON.parse(fences(readTemplate('librarian').body, 'json')[0]!) as { docs: Record<string, string> };
    expect(Object.keys(lib.docs)).toContain('func:multiplier');
    const polecat = fences(readTemplate('polecat').body, '')[0]!;
    expect(parseEditBlocks(polecat).blocks).toHaveLength(1);
  });
});

describe('loadBrief', () => {
  it('fills rig placeholders and attaches README.md and AGENTS.md', () => {
    const b = loadBrief('polecat', { rig });
    expect(b.version).toBe('1.0.1');
    expect(b.text).not.toMatch(/\{\{/);
    expect(b.body).toContain('on rig `aerobeat-mini`');
    expect(b.body).toContain('godot --headless -s addons/gut/gut_cmdln.gd -gdir=res://test/unit');
    expect(b.body).toContain('with GUT');
    expect(b.attachments.map((a) => a.path)).toEqual(['README.md', 'AGENTS.md']);
    expect(b.text).toContain('# Rig document: README.md (rig aerobeat-mini)\n\n# AeroBeat Mini');
    expect(b.text).toContain('# Rig document: AGENTS.md (rig aerobeat-mini)');
    expect(b.tokens).toBe(encode(b.text).length);
    expect(b.tokens).toBeGreaterThan(encode(b.body).length + 500);
  });

  it('fills the coverage rule for the Refinery and the rig list for the Mayor', () => {
    expect(loadBrief('refinery', { rig }).body).toContain('Coverage rule of this rig: at least 80% of the public functions in `scripts` must be called by tests.');
    const mayor = loadBrief('mayor', { rigs: [rig] });
    expect(mayor.body).toContain('Rigs (repositories) you may plan for: `aerobeat-mini`');
    expect(briefText('mayor', rig)).toBe(mayor.text);
    expect(briefText('crew', rig)).toBe(loadBrief('crew', { rig }).text);
  });

  it('notes docs that the rig lacks instead of failing', () => {
    const copy = copyAerobeatMini();
    rmSync(join(copy, 'AGENTS.md'));
    const b = loadBrief('crew', { rig: loadRigConfig(copy) });
    expect(b.missingDocs).toEqual(['aerobeat-mini/AGENTS.md']);
    expect(b.text).toContain('(AGENTS.md is not present in the rig.)');
  });

  it('refuses a rig brief without a rig, naming the template and placeholders', () => {
    expect(() => loadBrief('polecat')).toThrow(/polecat\.md: no value for placeholder\(s\) \{\{rig\.name\}\}.*the polecat brief needs a rig/);
  });

  it('rejects templates with a missing or mismatched version header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefs-'));
    cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'crew.md'), '# no header\n');
    expect(() => loadBrief('crew', { rig, templatesDir: dir })).toThrow(/crew\.md: missing the version header/);
    writeFileSync(join(dir, 'crew.md'), '---\nrole: polecat\nversion: 1.0.0\n---\nx\n');
    expect(() => loadBrief('crew', { rig, templatesDir: dir })).toThrow(/header says role "polecat", expected "crew"/);
    writeFileSync(join(dir, 'crew.md'), '---\nrole: crew\nversion: one\n---\n{{nope}}\n');
    expect(() => loadBrief('crew', { rig, templatesDir: dir })).toThrow(/version: expected a version like 1\.0\.0/);
    writeFileSync(join(dir, 'crew.md'), '---\nrole: crew\nversion: 1.0.1\n---\n{{nope}} {{rig.name}}\n');
    expect(() => loadBrief('crew', { rig, templatesDir: dir })).toThrow(/no value for placeholder\(s\) \{\{nope\}\}$/);
  });
});
