// rig.yml read from a trusted ref with real git: a PR that swaps the test command is still judged by the base's tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadRigConfig, loadRigConfigAtRef } from '../../../src/agents/rig/load.js';
import { rigGit } from '../../../src/agents/engine/rig-git.js';
import { runRigTests } from '../../../src/agents/rig/run-tests.js';
import { ConfigError } from '../../../src/config/load.js';
import { copyAerobeatMini, envWithShim, makeGodotShim } from './helpers/godot-shim.js';

const commit = async (dir: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], { cwd: dir });

/** The sample rig on main, and a PR branch that breaks the code and replaces the test command with `true`. */
async function rigWithPr(): Promise<string> {
  const rig = copyAerobeatMini();
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: rig });
  await execa('git', ['add', '-A'], { cwd: rig });
  await commit(rig, 'commit', '-qm', 'rig');
  await execa('git', ['checkout', '-q', '-b', 'pr'], { cwd: rig });
  const yml = join(rig, '.gastown', 'rig.yml');
  writeFileSync(yml, readFileSync(yml, 'utf8').replace(/command:\n(\s+- .*\n)+/, 'command: ["true"]\n').replace(/junitXml: .*/, 'junitXml: null'));
  const code = join(rig, 'scripts', 'combo_counter.gd');
  writeFileSync(code, readFileSync(code, 'utf8').replace('combo += 1', 'combo += 2'));
  await commit(rig, 'commit', '-qam', 'pr: "faster" combos');
  return rig;
}

describe('loadRigConfigAtRef', () => {
  it('reads rig.yml from the base ref, so a PR that replaces the test command fails on the base tests', async () => {
    const rig = await rigWithPr();
    const git = rigGit(rig);
    const show = (ref: string, path: string) => git.show(rig, ref, path);
    const trusted = await loadRigConfigAtRef(show, 'main', rig);
    expect(trusted.file).toBe('main:.gastown/rig.yml');
    expect(trusted.config.tests.command[0]).toBe('godot');
    // The checkout under review says otherwise...
    expect(loadRigConfig(rig).config.tests.command).toEqual(['true']);
    const env = envWithShim(makeGodotShim());
    expect((await runRigTests(rig, loadRigConfig(rig).config, { env })).passed).toBe(true);
    // ...but the base branch's command judges it, inside the sandbox, and the broken code fails.
    const judged = await runRigTests(rig, trusted.config, { env });
    expect(judged.passed).toBe(false);
    expect(judged.counts.failed).toBeGreaterThan(0);
  });

  it('names ref and path when rig.yml is missing or broken at that ref', async () => {
    const rig = await rigWithPr();
    const git = rigGit(rig);
    const show = (ref: string, path: string) => git.show(rig, ref, path);
    await execa('git', ['checkout', '-q', '--orphan', 'empty'], { cwd: rig });
    await execa('git', ['rm', '-rqf', '.'], { cwd: rig });
    await commit(rig, 'commit', '-q', '--allow-empty', '-m', 'empty');
    const missing = await loadRigConfigAtRef(show, 'empty', rig).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe('empty:.gastown/rig.yml: rig config not found at empty (every rig needs .gastown/rig.yml)');
    await execa('git', ['checkout', '-q', '-b', 'bad', 'main'], { cwd: rig });
    writeFileSync(join(rig, '.gastown', 'rig.yml'), 'name: r\nlanguage: gdscript\nengine: godot4\ntests:\n  framework: pytest\n  command: [x]\n');
    await commit(rig, 'commit', '-qam', 'bad');
    const bad = await loadRigConfigAtRef(show, 'bad', rig).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as Error).message).toContain('bad:.gastown/rig.yml: tests.framework: unknown test framework "pytest"');
  });
});
