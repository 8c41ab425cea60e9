import { describe, expect, it } from 'vitest';
import { chooseModel, roleOf } from '../../../src/fleet/switcher.js';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import { DEFAULT_SWITCHER, SwitcherConfig } from '../../../src/fleet/switcher-schema.js';
import { bead } from './helpers.js';

const pick = (role: Parameters<typeof chooseModel>[0], tokens: number, s = DEFAULT_SWITCHER, catalog = DEFAULT_CATALOG) => {
  const c = chooseModel(role, tokens, s, catalog);
  return c.device === 'cloud' ? `cloud:${c.modelName}` : `${c.device}:${c.model.name}`;
};

describe('switcher', () => {
  it('follows the seed: under 6k -> small coder, 6k-14k -> 7B coder, longer -> MoE coder, then cloud', () => {
    expect(pick('polecat', 5999)).toBe('gpu:Qwen2.5-Coder-3B-Instruct');
    expect(pick('polecat', 6000)).toBe('gpu:Qwen2.5-Coder-3B-Instruct');
    expect(pick('polecat', 6001)).toBe('gpu:Qwen2.5-Coder-7B-Instruct');
    expect(pick('polecat', 14000)).toBe('gpu:Qwen2.5-Coder-7B-Instruct');
    expect(pick('polecat', 14001)).toBe('gpu:Qwen3-Coder-30B-A3B-Instruct');
    expect(pick('polecat', 70000)).toBe('cloud:gemini-3-flash-preview');
  });

  it('sends Refinery to the 32B on CPU, Librarian to SmolLM2, Mayor and Crew to Gemini', () => {
    expect(pick('refinery', 5000)).toBe('cpu:DeepSeek-R1-Distill-Qwen-32B');
    expect(pick('librarian', 3000)).toBe('cpu:SmolLM2-1.7B-Instruct');
    expect(pick('mayor', 3000)).toBe('cloud:gemini-3-pro-preview');
    expect(pick('crew', 3000)).toBe('cloud:gemini-3-flash-preview');
  });

  it('uses the fallback of a model flagged as hallucinating too much', () => {
    const catalog = DEFAULT_CATALOG.map((m) => (m.name === 'Qwen2.5-Coder-3B-Instruct' ? { ...m, hallucinatesTooMuch: true } : m));
    const c = chooseModel('polecat', 4000, DEFAULT_SWITCHER, catalog);
    expect(c.device === 'gpu' && c.model.name).toBe('DeepSeek-Coder-V2-Lite-Instruct');
    expect(c.reason).toMatch(/hallucinating too much/);
  });

  it('skips a rule whose model was not trained for prompt + output tokens', () => {
    // SmolLM2 trains on 8192 tokens: a 7,500-token doc bead plus 1,000 output tokens cannot fit.
    expect(pick('librarian', 7000)).toBe('cpu:SmolLM2-1.7B-Instruct');
    const c = chooseModel('librarian', 7500, DEFAULT_SWITCHER, DEFAULT_CATALOG);
    expect(c.device).toBe('cloud');
    expect(c.reason).toMatch(/SmolLM2-1.7B-Instruct trains on 8192 tokens/);
  });

  it('says which rule sent a bead to the cloud when the rule gives no why of its own', () => {
    const s = SwitcherConfig.parse({ rules: [
      { role: 'polecat', maxPromptTokens: 6000, model: 'Qwen2.5-Coder-3B-Instruct', device: 'gpu' },
      { role: 'polecat', maxPromptTokens: 50000, model: 'gemini-x', device: 'cloud' },
    ] });
    expect(chooseModel('polecat', 9500, s, DEFAULT_CATALOG).reason).toBe('a polecat rule (up to 50000) sends it to the cloud; 9500 prompt tokens');
    expect(chooseModel('polecat', 70000, DEFAULT_SWITCHER, DEFAULT_CATALOG).reason).toBe('too long for the local models; 70000 prompt tokens');
  });

  it('routes beads to the cloud fallback when their role has no rule', () => {
    const s = SwitcherConfig.parse({ rules: [{ role: 'polecat', model: 'Qwen2.5-Coder-3B-Instruct', device: 'gpu' }], cloudFallbackModel: 'gemini-x' });
    expect(pick('refinery', 100, s)).toBe('cloud:gemini-x');
  });

  it('derives roles from bead types when no role is set', () => {
    expect(roleOf(bead('ab-1', { type: 'test' }))).toBe('refinery');
    expect(roleOf(bead('ab-2', { type: 'docs' }))).toBe('librarian');
    expect(roleOf(bead('ab-3', { type: 'bug' }))).toBe('polecat');
    expect(roleOf(bead('ab-4', { type: 'docs', role: 'polecat' }))).toBe('polecat');
  });
});
