// The README names providers by the values ledger lines carry, so a reader can grep the ledger for them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderKind } from '../../../src/providers/types.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README and the ledger agree on provider names', () => {
  const row = readme.split('\n').find((l) => l.startsWith('| **Providers + cost**')) ?? '';

  it('names every ledger provider value in the Providers row', () => {
    expect(row).not.toBe('');
    for (const kind of ProviderKind.options) expect(row).toContain(`provider \`${kind}\``);
  });

  it('calls no provider by a name the ledger does not use', () => {
    const named = [...readme.matchAll(/provider `([^`]+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(ProviderKind.options).toContain(n);
  });
});
