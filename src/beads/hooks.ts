// `gth hooks install`: pre-commit bead check and the bead merge driver, registered in the town repo.
import { readFile, writeFile, chmod, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';

const MARK = '# gastown-hybrid';
const ATTR_LINES = ['beads/*.json merge=gth-bead', 'beads/convoys/*.json merge=gth-bead'];

/** The command that re-runs this very gth (same node, same loader flags, same script). */
export function selfCommand(): string {
  const parts = [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1] ?? 'gth'];
  return parts.map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface InstallResult {
  hook: string;
  attributes: string;
  driver: string;
}

export async function installHooks(repoDir: string, gth = selfCommand()): Promise<InstallResult> {
  // Registering a merge driver is exactly what this command is for, so allow it explicitly.
  const git = simpleGit({ baseDir: repoDir, unsafe: { allowUnsafeMergeDriver: true } });
  const root = (await git.revparse(['--show-toplevel'])).trim();
  // --git-path honours core.hooksPath and worktrees; it answers relative to repoDir.
  const hooksDir = resolve(repoDir, (await git.revparse(['--git-path', 'hooks'])).trim());
  await mkdir(hooksDir, { recursive: true });
  const hook = join(hooksDir, 'pre-commit');
  const body = `#!/bin/sh\n${MARK}: refuse commits that would store a broken bead\nexec ${gth} beads check --staged --dir "$(git rev-parse --show-toplevel)"\n`;
  if (existsSync(hook)) {
    const old = await readFile(hook, 'utf8');
    if (!old.includes(MARK)) {
      // Keep the user's hook: chain ours after it.
      await writeFile(hook, `${old.trimEnd()}\n${body.split('\n').slice(1).join('\n').replace('exec ', '')}`);
    } else {
      await writeFile(hook, body);
    }
  } else {
    await writeFile(hook, body);
  }
  await chmod(hook, 0o755);
  const attrs = join(root, '.gitattributes');
  const current = existsSync(attrs) ? await readFile(attrs, 'utf8') : '';
  const have = new Set(current.split('\n'));
  const missing = ATTR_LINES.filter((l) => !have.has(l));
  if (missing.length) {
    await writeFile(attrs, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  }
  const driver = `${gth} beads merge %O %A %B`;
  await git.addConfig('merge.gth-bead.name', 'gastown-hybrid bead merge driver');
  await git.addConfig('merge.gth-bead.driver', driver);
  return { hook, attributes: attrs, driver };
}
