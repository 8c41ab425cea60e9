// Task folders are validated: a missing file names the task folder and the file; schema errors name task.yml and the field.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTask, loadTaskSet, DEFAULT_TASKS_DIR } from '../../../src/eval/tasks.js';
import { ConfigError } from '../../../src/config/load.js';

let root: string;
const copy = (name: string): string => {
  cpSync(join(DEFAULT_TASKS_DIR, name), join(root, name), { recursive: true });
  return join(root, name);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gth-eval-tasks-'));
  cpSync(join(DEFAULT_TASKS_DIR, '_rigs'), join(root, '_rigs'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('eval task folders', () => {
  it('loads a valid folder with its base rig', () => {
    const t = loadTask(copy('polecat-small-combo-bonus'), root);
    expect(t.name).toBe('polecat-small-combo-bonus');
    expect(t.spec.kind).toBe('polecat');
    expect(t.baseRig).toBe(join(root, '_rigs', 'aerobeat-mini'));
  });

  it('names the folder and the file when the solution, a test or a defect file is missing', () => {
    const dir = copy('polecat-small-combo-bonus');
    rmSync(join(dir, 'solution.edits'));
    rmSync(join(dir, 'rig', 'test', 'unit', 'test_combo_bonus.gd'));
    const err = (() => { try { loadTask(dir, root); } catch (e) { return e as Error; } return null; })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain(`eval task ${dir}: missing file solution.edits (named by task.yml solution)`);
    expect(err!.message).toContain(`eval task ${dir}: missing file test/unit/test_combo_bonus.gd (named by task.yml tests[0]`);
    const rev = copy('refinery-untested-branch');
    rmSync(join(rev, 'change', 'scripts', 'beat_scorer.gd'));
    expect(() => loadTask(rev, root)).toThrow(`eval task ${rev}: missing file change/scripts/beat_scorer.gd (named by task.yml expected.defects[0].file)`);
  });

  it('names the folder when task.yml itself is missing, and the field when it is wrong', () => {
    const dir = copy('librarian-beat-scorer');
    const yml = join(dir, 'task.yml');
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('kind: librarian', 'kind: mayor'));
    expect(() => loadTask(dir, root)).toThrow(/task\.yml: kind/);
    rmSync(yml);
    expect(() => loadTask(dir, root)).toThrow(`eval task ${dir}: missing file task.yml`);
  });

  it('reports every broken folder of a set at once, and unknown names', () => {
    for (const n of ['polecat-small-combo-bonus', 'librarian-beat-scorer']) copy(n);
    rmSync(join(root, 'polecat-small-combo-bonus', 'solution.edits'));
    rmSync(join(root, 'librarian-beat-scorer', 'task.yml'));
    const msg = (() => { try { loadTaskSet(root); } catch (e) { return (e as Error).message; } return ''; })();
    expect(msg).toContain('polecat-small-combo-bonus: missing file solution.edits');
    expect(msg).toContain('librarian-beat-scorer: missing file task.yml');
    expect(() => loadTaskSet(root, { names: ['nope'] })).toThrow(/no task named nope/);
    expect(() => loadTaskSet(join(root, 'absent'))).toThrow(/eval task folder .*absent does not exist/);
  });

  it('filters by kind and name', () => {
    expect(loadTaskSet(DEFAULT_TASKS_DIR, { kinds: ['librarian'] }).map((t) => t.name)).toEqual(['librarian-beat-scorer', 'librarian-combo-counter']);
    expect(loadTaskSet(DEFAULT_TASKS_DIR, { names: ['refinery-godot3-api'] })).toHaveLength(1);
  });
});
