// gastown.yml: an unknown top-level key is an error naming it (with a did-you-mean), listed with the other problems.
import { describe, it, expect } from 'vitest';
import { CONFIG_SECTIONS, ConfigError, nearest, unknownKeyProblems } from '../../../src/config/load.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { loadProvidersConfig } from '../../../src/providers/config.js';

const raw = (data: Record<string, unknown>) => ({ file: '/town/gastown.yml', data });

describe('top-level keys of gastown.yml', () => {
  it('a typo is refused by every reader, naming the key and the nearest known one', () => {
    const typo = raw({ hardwre: { gpu: { vramMiB: 12288 } } });
    expect(unknownKeyProblems(typo)).toEqual([expect.stringContaining('/town/gastown.yml: hardwre: unknown top-level key (did you mean "hardware"?)')]);
    expect(() => loadFleetConfig(typo)).toThrow(ConfigError);
    expect(() => loadFleetConfig(typo)).toThrow('did you mean "hardware"');
    expect(() => loadProvidersConfig(typo)).toThrow('hardwre');
  });

  it('lists the unknown key once, together with problems inside known sections', () => {
    let message = '';
    try {
      loadFleetConfig(raw({ swicher: {}, hardware: { gpu: { vramMiB: -1 } } }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.match(/swicher: unknown top-level key/g)).toHaveLength(1);
    expect(message).toContain('did you mean "switcher"');
    expect(message).toContain('hardware.gpu.vramMiB');
  });

  it('knows every section some area reads, and suggests nothing for a far-off word', () => {
    for (const key of CONFIG_SECTIONS) expect(unknownKeyProblems(raw({ [key]: {} }))).toEqual([]);
    expect(nearest('zzzzzz', CONFIG_SECTIONS)).toBeNull();
  });
});
