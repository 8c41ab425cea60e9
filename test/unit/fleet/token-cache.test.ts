// The token-count cache: a second run over the same texts counts nothing, changed texts are counted again, and a
// cache from another tokenizer or a damaged file is never trusted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKEN_CACHE_NAME, cachingCounter, type CachingCounter } from '../../../src/fleet/token-cache.js';
import { textKey } from '../../../src/beads/text.js';
import { countTokens, tokenizerId } from '../../../src/fleet/tokenizer.js';

const root = mkdtempSync(join(tmpdir(), 'gth-token-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => mkdtempSync(join(root, `c${n++}-`));
/** A text's count through the cache, keyed as the bead index keys it. */
const count = (c: CachingCounter, text: string): number => c.countKeyed(textKey(text), () => text);

/** A counter that records what it was asked, so a test sees which texts were really counted. */
function recording(): { count: (t: string) => number; asked: string[] } {
  const asked: string[] = [];
  return { asked, count: (t) => (asked.push(t), countTokens(t)) };
}

describe('cachingCounter', () => {
  it('counts each text once across runs and gives the tokenizer\'s own counts', () => {
    const dir = fresh();
    const texts = ['Add ComboCounter.bonus_points()', 'Review BeatClock\n- GUT tests pass\nscripts/beat_clock.gd', ''];
    const first = recording();
    const a = cachingCounter(dir, first.count, 'tok-1');
    expect(texts.map((t) => count(a, t))).toEqual(texts.map((t) => countTokens(t)));
    expect(first.asked).toEqual(texts);
    a.save();
    const second = recording();
    const b = cachingCounter(dir, second.count, 'tok-1');
    expect(texts.map((t) => count(b, t))).toEqual(texts.map((t) => countTokens(t)));
    expect(second.asked).toEqual([]);
    expect([b.hits, b.misses]).toEqual([3, 0]);
  });

  it('counts a changed text again and keeps only the texts the last run used', () => {
    const dir = fresh();
    const a = cachingCounter(dir, countTokens, 'tok-1');
    count(a, 'old title');
    count(a, 'kept title');
    a.save();
    const rec = recording();
    const b = cachingCounter(dir, rec.count, 'tok-1');
    count(b, 'kept title');
    count(b, 'new title');
    b.save();
    expect(rec.asked).toEqual(['new title']);
    const saved = JSON.parse(readFileSync(join(dir, TOKEN_CACHE_NAME), 'utf8')) as { keys: string[]; counts: number[] };
    expect(saved.keys).toHaveLength(2);
    expect(saved.counts).toEqual([countTokens('kept title'), countTokens('new title')]);
    const c = recording();
    count(cachingCounter(dir, c.count, 'tok-1'), 'old title');
    expect(c.asked).toEqual(['old title']);
  });

  it('drops counts made by another tokenizer (or version)', () => {
    const dir = fresh();
    const a = cachingCounter(dir, () => 7, 'tok-1');
    count(a, 'same text');
    a.save();
    const rec = recording();
    expect(count(cachingCounter(dir, rec.count, 'tok-2'), 'same text')).toBe(countTokens('same text'));
    expect(rec.asked).toEqual(['same text']);
  });

  it('counts again when the file is damaged, and works with no folder at all', () => {
    const dir = fresh();
    writeFileSync(join(dir, TOKEN_CACHE_NAME), '{"version":1,"tokenizer":"tok-1","counts":{"x":');
    const rec = recording();
    const c = cachingCounter(dir, rec.count, 'tok-1');
    expect(count(c, 'hello world')).toBe(countTokens('hello world'));
    c.save();
    expect(count(cachingCounter(dir, () => -1, 'tok-1'), 'hello world')).toBe(countTokens('hello world'));
    // Well-formed JSON of the wrong shape (arrays out of step, a negative count) is not trusted either.
    writeFileSync(join(dir, TOKEN_CACHE_NAME), JSON.stringify({ version: 2, tokenizer: 'tok-1', keys: ['a', 'b'], counts: [1] }));
    expect(count(cachingCounter(dir, () => 5, 'tok-1'), 'hello world')).toBe(5);
    const none = cachingCounter(null, rec.count, 'tok-1');
    expect(count(none, 'abc')).toBe(countTokens('abc'));
    none.save();
  });

  it('names the tokenizer with its package version, so an upgrade drops the cache', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../node_modules/gpt-tokenizer/package.json'), 'utf8')) as { version: string };
    expect(tokenizerId()).toBe(`gpt-tokenizer@${pkg.version} o200k_base`);
  });
});
