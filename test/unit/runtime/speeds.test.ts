// Measured speeds: token-weighted averaging, device switches, and the reader the planner uses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeasuredSpeeds, readSpeedRecords, recordMeasuredSpeed, recordMeasuredSpeedAsync, speedsFile } from '../../../src/runtime/speeds.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gth-speeds-'));

describe('measured speeds', () => {
  it('returns {} when nothing was measured and stores the first sample as is', () => {
    const d = dir();
    expect(readMeasuredSpeeds(d)).toEqual({});
    expect(recordMeasuredSpeed(d, 'qwen', 'gpu', { gen: 80, prompt: 900, genTokens: 100 })).toBe(true);
    expect(readMeasuredSpeeds(d)).toEqual({ qwen: { gen: 80, prompt: 900 } });
  });

  it('averages by generated tokens and skips intervals without generation', () => {
    const d = dir();
    recordMeasuredSpeed(d, 'qwen', 'gpu', { gen: 100, prompt: 1000, genTokens: 300 });
    expect(recordMeasuredSpeed(d, 'qwen', 'gpu', { gen: 0, prompt: 0, genTokens: 0 })).toBe(false);
    recordMeasuredSpeed(d, 'qwen', 'gpu', { gen: 60, prompt: 0, genTokens: 100 });
    expect(readMeasuredSpeeds(d).qwen).toEqual({ gen: 90, prompt: 1000 });
    expect(readSpeedRecords(d).qwen?.tokens).toBe(400);
  });

  it('replaces the figure when the model ran on the other device', () => {
    const d = dir();
    recordMeasuredSpeed(d, 'smol', 'gpu', { gen: 150, prompt: 2000, genTokens: 1000 });
    recordMeasuredSpeed(d, 'smol', 'cpu', { gen: 20, prompt: 200, genTokens: 10 });
    expect(readSpeedRecords(d).smol).toMatchObject({ gen: 20, prompt: 200, device: 'cpu', tokens: 10 });
  });

  it('keeps the thread count a figure was measured at, and starts afresh when the server ran with another', () => {
    const d = dir();
    recordMeasuredSpeed(d, 'r1', 'cpu', { gen: 2, prompt: 40, genTokens: 1000, threads: 6 });
    recordMeasuredSpeed(d, 'r1', 'cpu', { gen: 3, prompt: 60, genTokens: 1000, threads: 6 });
    expect(readMeasuredSpeeds(d).r1).toEqual({ gen: 2.5, prompt: 50, threads: 6 });
    // Re-pinned to 4 cores: not averaged with the 6-thread figure.
    recordMeasuredSpeed(d, 'r1', 'cpu', { gen: 1.6, prompt: 30, genTokens: 200, threads: 4 });
    expect(readSpeedRecords(d).r1).toMatchObject({ gen: 1.6, prompt: 30, threads: 4, tokens: 200 });
  });

  it('the supervisor\'s form (off the event loop) loses no sample when scrapes overlap', async () => {
    const d = dir();
    // A stop's last scrape and the periodic one at once: each must fold into the other's result, not the old file.
    const both = await Promise.all([
      recordMeasuredSpeedAsync(d, 'qwen', 'gpu', { gen: 100, prompt: 1000, genTokens: 300 }),
      recordMeasuredSpeedAsync(d, 'qwen', 'gpu', { gen: 60, prompt: 0, genTokens: 100 }),
      recordMeasuredSpeedAsync(d, 'smol', 'cpu', { gen: 0, prompt: 0, genTokens: 0 }),
    ]);
    expect(both).toEqual([true, true, false]);
    expect(readSpeedRecords(d)).toEqual({ qwen: expect.objectContaining({ gen: 90, prompt: 1000, tokens: 400 }) });
    writeFileSync(speedsFile(d), '{not json');
    await expect(recordMeasuredSpeedAsync(d, 'x', 'gpu', { gen: 1, prompt: 1, genTokens: 1 })).rejects.toThrow(/not valid JSON/);
  });

  it('refuses to read (or overwrite) a corrupt file, naming it', () => {
    const d = dir();
    writeFileSync(speedsFile(d), '{not json');
    expect(() => readMeasuredSpeeds(d)).toThrow(`${speedsFile(d)}: not valid JSON`);
    expect(() => recordMeasuredSpeed(d, 'x', 'gpu', { gen: 1, prompt: 1, genTokens: 1 })).toThrow(/not valid JSON/);
  });
});
