// package.json's engines range agrees with every locked dependency, so `npm ci` on that Node raises no EBADENGINE.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

describe('engines', () => {
  it('every Node version our engines field admits is admitted by every locked package', () => {
    const ours = pkg.engines.node;
    const disagree = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, meta]) => [path, Array.isArray(meta.engines) ? undefined : meta.engines?.node] as const)
      .filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string')
      .filter(([, theirs]) => semver.validRange(theirs) !== null && !semver.subset(ours, theirs))
      .map(([path, theirs]) => `${path} needs node ${theirs}`);
    expect(disagree).toEqual([]);
  });

  it('the Node running the tests (CI) is inside the engines range', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});
