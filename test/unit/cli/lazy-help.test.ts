// `gth --help` is built from the command table without importing any command module; `gth <cmd>` loads only its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { Command } from 'commander';
import { GTH_MAIN, TSX_LOADER, repoRoot } from '../../support/cli.js';
import { COMMAND_MODULES, commandToLoad } from '../../../src/cli/commands/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'gth-lazy-help-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TRACER = join(repoRoot, 'test', 'support', 'import-trace.mjs');
const COMMANDS_DIR = `${join(repoRoot, 'src', 'cli', 'commands')}/`;

/** Runs gth as a child process and returns its output and every module URL it resolved. */
async function traced(name: string, args: string[]) {
  const trace = join(tmp, `${name}.trace`);
  // The tracer goes after tsx, so its hook runs first and sees each URL tsx resolves to.
  const r = await execa(process.execPath, ['--import', TSX_LOADER, '--import', TRACER, GTH_MAIN, ...args], {
    reject: false,
    env: { GTH_LOG_LEVEL: 'silent', GTH_IMPORT_TRACE: trace },
  });
  const urls = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  const commandModules = [...new Set(urls.filter((u) => u.includes(COMMANDS_DIR) || u.startsWith(`file://${COMMANDS_DIR}`)).map((u) => u.slice(u.lastIndexOf('/') + 1)))];
  return { ...r, urls, commandModules };
}

describe('gth --help (lazy command modules)', () => {
  it.concurrent('top-level help names every command without loading any command module or heavy SDK', async () => {
    const r = await traced('help', ['--help']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    for (const [name, entry] of Object.entries(COMMAND_MODULES)) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name}${entry.args ? ` ${entry.args}` : ''} +${entry.summary.slice(0, 20).replace(/[()]/g, '\\$&')}`, 'm'));
    }
    expect(r.commandModules.sort()).toEqual(['index.ts']);
    for (const pkg of ['probot', 'openai', '@google/genai', 'chart.js', 'pino', 'zod', 'simple-git']) {
      expect(r.urls.filter((u) => u.includes(`/node_modules/${pkg}/`))).toEqual([]);
    }
  });

  it.concurrent('`gth plan --help` loads the plan module and no other command module (the trace sees command modules)', async () => {
    const r = await traced('plan-help', ['plan', '--help']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toContain('--beads <dir>');
    expect(r.commandModules.sort()).toEqual(['index.ts', 'plan.ts']);
    expect(r.urls.filter((u) => u.includes('/node_modules/probot/'))).toEqual([]);
  });

  it.concurrent('`gth help job` shows the job module\'s own help', async () => {
    const r = await traced('help-job', ['help', 'job']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gth job \[options\] <kind>/);
    expect(r.commandModules.sort()).toEqual(['index.ts', 'job.ts']);
  });

  it.concurrent('an unknown command exits 2 and lists the commands', async () => {
    const r = await traced('unknown', ['pln']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'pln'");
    expect(r.stderr).toContain('(Did you mean plan?)');
    expect(r.stderr).toContain(`commands: ${Object.keys(COMMAND_MODULES).join(', ')}`);
    expect(r.commandModules.sort()).toEqual(['index.ts']);
  });

  it.concurrent('--version still prints the version', async () => {
    const r = await traced('version', ['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });
});

describe('the command table', () => {
  it('picks the command argv runs, including `help <cmd>`', () => {
    expect(commandToLoad(['plan', '--json'])).toBe('plan');
    expect(commandToLoad(['--help', 'plan'])).toBe('plan');
    expect(commandToLoad(['help', 'run-epic'])).toBe('run-epic');
    expect(commandToLoad(['help'])).toBeUndefined();
    expect(commandToLoad(['--help'])).toBeUndefined();
    expect(commandToLoad(['constructor'])).toBeUndefined();
    expect(commandToLoad(['pln'])).toBeUndefined();
  });

  it('agrees with the modules: each entry\'s module registers that command with the arguments the table shows', async () => {
    for (const [name, entry] of Object.entries(COMMAND_MODULES)) {
      const program = new Command();
      (await entry.load()).register(program);
      const cmd = program.commands.find((c) => c.name() === name);
      expect(cmd, `${name}: its module registers no command of that name`).toBeDefined();
      const args = cmd!.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
      expect(args, name).toBe(entry.args ?? '');
    }
  }, 60_000);
});
