import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer';
import { beadText, estimatePromptTokens } from '../../../src/fleet/prompt-tokens.js';
import { loadRigTokens } from '../../../src/fleet/rig-context.js';
import { DEFAULT_SWITCHER } from '../../../src/fleet/switcher-schema.js';
import { bead } from './helpers.js';

const rig = mkdtempSync(join(tmpdir(), 'gth-rig-'));
afterAll(() => rmSync(rig, { recursive: true, force: true }));

const README = '# AeroBeat rig\n\nRhythm workout game in Godot 4. Scenes live in scenes/, scripts in scripts/.\n'.repeat(20);
const CLOCK = 'extends Node\nclass_name BeatClock\n\nfunc song_position() -> float:\n\treturn 0.0\n'.repeat(30);
const CLOCK_TEST = 'extends GutTest\n\nfunc test_song_position():\n\tassert_eq(BeatClock.new().song_position(), 0.0)\n'.repeat(10);
mkdirSync(join(rig, 'scripts/rhythm'), { recursive: true });
mkdirSync(join(rig, 'test/unit'), { recursive: true });
mkdirSync(join(rig, '.git'), { recursive: true });
writeFileSync(join(rig, 'README.md'), README);
writeFileSync(join(rig, 'scripts/rhythm/beat_clock.gd'), CLOCK);
writeFileSync(join(rig, 'test/unit/test_beat_clock.gd'), CLOCK_TEST);
writeFileSync(join(rig, '.git/test_beat_clock.gd'), 'ignored '.repeat(500));

describe('prompt token estimate', () => {
  const noMargin = { ...DEFAULT_SWITCHER.prompt, marginPercent: 0 };

  it('adds role brief, README allowance and the bead text counted with gpt-tokenizer', () => {
    const b = bead('ab-1', { title: 'BeatClock', description: 'Track song position.', acceptance: ['tests pass'] });
    const e = estimatePromptTokens(b, noMargin);
    expect(e.parts.bead).toBe(countTokens(beadText(b)));
    expect(e.tokens).toBe(2000 + 1000 + countTokens(beadText(b)));
  });

  it('applies the margin for local tokenizers and never goes below the Mayor\'s estimate', () => {
    const b = bead('ab-2', { title: 'x' });
    const plain = estimatePromptTokens(b, noMargin).tokens;
    expect(estimatePromptTokens(b, { ...noMargin, marginPercent: 20 }).tokens).toBe(plain + Math.ceil(plain * 0.2));
    expect(estimatePromptTokens(bead('ab-3', { title: 'x', tokenEstimate: 12000 }), noMargin).tokens).toBe(12000);
  });

  it('reads the rig: real README size, referenced files and their GUT tests (not .git)', () => {
    const tokens = loadRigTokens(rig);
    expect(tokens.readmeTokens).toBe(countTokens(README));
    expect(tokens.fileTokens('scripts/rhythm/beat_clock.gd')).toBe(countTokens(CLOCK) + countTokens(CLOCK_TEST));
    expect(tokens.fileTokens('res://scripts/rhythm/beat_clock.gd')).toBe(countTokens(CLOCK) + countTokens(CLOCK_TEST));
    expect(tokens.fileTokens('scripts/missing.gd')).toBeNull();
    const b = bead('ab-4', { title: 'BeatClock', files: ['scripts/rhythm/beat_clock.gd', 'scripts/missing.gd'] });
    const e = estimatePromptTokens(b, noMargin, tokens);
    expect(e.parts.readme).toBe(countTokens(README));
    expect(e.parts.files).toBe(countTokens(CLOCK) + countTokens(CLOCK_TEST));
    expect(e.tokens).toBe(2000 + countTokens(README) + countTokens(beadText(b)) + e.parts.files);
  });

  it('rejects a rig folder that does not exist', () => {
    expect(() => loadRigTokens(join(rig, 'nope'))).toThrow(/rig folder not found/);
  });
});
