// `gth bead …`, `gth convoy …`, `gth beads …` and `gth hooks install`: the bead store from the shell.
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
// Read commands (list, ready, convoy) must not load zod or the store: they start from the zod-free scan, and
// the store, claim and check modules are imported inside the actions that need them.
import type { BeadStore } from '../../beads/store.js';
import type { Bead, Convoy, Dependency, Status, DepKind } from '../../beads/schema.js';
import { BEAD_TYPES, ROLES, STATUSES, DEP_KINDS, TITLE_MAX, titleProblems, rigPathProblem } from '../../beads/model.js';
import { scanBeads, type ScannedBead } from '../../beads/scan.js';
import { indexDirFor, type BeadSummary } from '../../beads/scan-index.js';
import { saveView, writeView } from '../../beads/bead-views.js';
import { convoyProgress } from '../../beads/graph.js';
import { assertBeadId } from '../../beads/ids.js';
import { resolveTown } from '../../beads/town.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { printJson, printTable } from '../output.js';
import { BEAD_HEADERS, beadRow, listAnswer, listKey, readyAnswer, readyKey, takeHanded } from '../kept-answers.js';
import { UsageError, GthError } from '../../util/errors.js';

interface TownOpts {
  dir?: string;
  commit?: boolean;
  actor?: string;
}

function townDir(opts: TownOpts, env = process.env): string {
  return resolveTown(opts, env);
}

export async function storeFor(opts: TownOpts, env = process.env): Promise<BeadStore> {
  const { BeadStore } = await import('../../beads/store.js');
  return new BeadStore({
    dir: join(townDir(opts, env), 'beads'),
    commit: opts.commit ?? env.GTH_COMMIT === '1',
    actor: opts.actor,
    env,
  });
}

const townOptions = (cmd: Command): Command =>
  cmd
    .option('--dir <path>', 'town repository holding beads/ (default: $GTH_TOWN or the current folder)')
    .option('--commit', 'commit each change with git (also GTH_COMMIT=1)')
    .option('--actor <name>', 'who is acting, for the history (default: $GTH_ACTOR or "human")');

function parseIntFlag(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable flag whose values are trimmed and must not be empty (`check` adds a rule of its own). */
function collectText(flag: string, check: (v: string) => string | null = () => null) {
  return (value: string, previous: string[] = []): string[] => {
    const v = value.trim();
    if (!v) throw new UsageError(`${flag} must not be empty`);
    const problem = check(v);
    if (problem) throw new UsageError(`${flag} "${v}": ${problem}`);
    return [...previous, v];
  };
}

/** --title: trimmed, one line, at most TITLE_MAX characters (long text belongs in --description). */
function parseTitle(value: string): string {
  const t = value.trim();
  const problem = titleProblems(t)[0];
  if (problem) throw new UsageError(`--title: ${problem}`);
  return t;
}

const fileProblem = (v: string): string | null => {
  const p = rigPathProblem(v);
  return p ? `${p} (a path relative to the rig, with "/")` : null;
};

function parseDep(spec: string): Dependency {
  const [id, kind = 'blocks'] = spec.split(':');
  if (!id || !(DEP_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`--dep "${spec}": expected ID or ID:KIND with KIND one of ${DEP_KINDS.join(', ')}`);
  }
  return { id: assertBeadId(id, '--dep bead'), kind: kind as DepKind };
}

/**
 * Every healthy bead's summary. Each unreadable file is reported on stderr (file, line, field) and makes the command
 * exit 1, but does not hide the others.
 */
async function readSummaries(opts: TownOpts): Promise<BeadSummary[]> {
  const { beads, problems } = await scanBeads(join(townDir(opts), 'beads'), { bytes: false });
  reportProblems(problems);
  return beads.map((b) => b.summary);
}

async function readConvoys(store: BeadStore): Promise<Convoy[]> {
  const { convoys, problems } = await store.scanConvoys();
  reportProblems(problems);
  return convoys;
}

/**
 * Prints what `make` renders from the beads, or the same answer saved for this bead-index generation (nothing changed
 * since it was made, see bead-views.ts). The key names the command, its options and the rendering code itself, so
 * an upgrade that prints differently never shows an old answer. --json answers need the beads' cached bytes.
 */
async function printAnswer(opts: TownOpts, key: string, json: boolean, make: (beads: ScannedBead[]) => string | Buffer): Promise<void> {
  const dir = join(townDir(opts), 'beads');
  const indexDir = indexDirFor(dir);
  // The early look at kept answers (main.ts) may have scanned already.
  let scan = takeHanded(dir)?.scan ?? (await scanBeads(dir, { bytes: false }));
  if (writeView(indexDir, scan.generation, key)) return;
  if (json) scan = await scanBeads(dir, { bytes: true });
  reportProblems(scan.problems);
  const answer = make(scan.beads);
  process.stdout.write(answer);
  saveView(indexDir, scan.generation, key, answer);
}


function reportProblems(problems: readonly { message: string }[]): void {
  for (const p of problems) process.stderr.write(`gth: skipped: ${p.message}\n`);
  if (problems.length) process.exitCode = 1;
}


function showBead(b: Bead): void {
  const lines = [
    `${b.id}  ${b.title}`,
    `status: ${b.status}   priority: ${b.priority}   type: ${b.type}   role: ${b.role ?? '-'}   rig: ${b.rig ?? '-'}   convoy: ${b.convoy ?? '-'}`,
    `assignee: ${b.assignee ? `${b.assignee.agent}${b.assignee.model ? ` (${b.assignee.model})` : ''}` : '-'}   branch: ${b.branch ?? '-'}   pr: ${b.pr ?? '-'}   tokens: ${b.tokenEstimate ?? '-'}`,
    b.dependencies.length ? `depends on: ${b.dependencies.map((d) => `${d.id} (${d.kind})`).join(', ')}` : '',
    b.labels.length ? `labels: ${b.labels.join(', ')}` : '',
    b.description ? `\n${b.description}\n` : '',
    b.acceptance.length ? `acceptance:\n${b.acceptance.map((a) => `  - ${a}`).join('\n')}` : '',
    b.files.length ? `files: ${b.files.join(', ')}` : '',
    'history:',
    ...b.history.map((h) => `  ${h.at}  ${h.by}  ${h.from ?? '∅'} -> ${h.to ?? '∅'}${h.note ? `  ${h.note}` : ''}`),
  ];
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
}

function registerBead(program: Command): void {
  const bead = program.command('bead').description('create, inspect and move single beads');

  townOptions(bead.command('create').description('create a bead'))
    .requiredOption('--title <text>', `title: one line, at most ${TITLE_MAX} characters`, parseTitle)
    .option('--description <text>', 'description', '')
    .addOption(new Option('--type <type>', 'bead type').choices([...BEAD_TYPES]).default('task'))
    .addOption(new Option('--role <role>', 'role that works on it').choices([...ROLES]))
    .option('--rig <name>', 'rig (repository) it touches')
    .option('--convoy <id>', 'convoy it belongs to (also added to the convoy file)')
    .option('--priority <0-4>', 'priority, 0 highest', parseIntFlag('--priority', 0, 4), 2)
    .option('--dep <id[:kind]>', 'dependency (repeatable; kind defaults to blocks)', collect, [])
    .option('--accept <text>', 'acceptance criterion (repeatable)', collectText('--accept'), [])
    .option('--file <path>', 'file it touches, relative to the rig (repeatable)', collectText('--file', fileProblem), [])
    .option('--label <name>', 'label (repeatable)', collectText('--label'), [])
    .option('--tokens <n>', 'token estimate', parseIntFlag('--tokens', 0, 10_000_000))
    .option('--json', 'print the bead as JSON')
    .action(async (o) => {
      const store = await storeFor(o);
      const deps = (o.dep as string[]).map(parseDep);
      for (const d of deps) if (!existsSync(store.beadPath(d.id))) throw new UsageError(`--dep: unknown bead id "${d.id}"`);
      if (o.convoy) await store.getConvoy(o.convoy);
      const b = await store.create({
        title: o.title,
        description: o.description,
        type: o.type,
        role: o.role ?? null,
        rig: o.rig ?? null,
        convoy: o.convoy ?? null,
        priority: o.priority,
        dependencies: deps,
        acceptance: o.accept,
        files: o.file,
        labels: o.label,
        tokenEstimate: o.tokens ?? null,
      });
      if (o.convoy) await store.addToConvoy(o.convoy, [b.id]);
      if (o.json) printJson(b);
      else process.stdout.write(`${b.id}\n`);
    });

  townOptions(bead.command('list').description('list beads'))
    .addOption(new Option('--status <status>', 'only this status').choices([...STATUSES]))
    .option('--convoy <id>', 'only this convoy')
    .addOption(new Option('--role <role>', 'only this role').choices([...ROLES]))
    .option('--json', 'JSON output')
    .action(async (o) => {
      await printAnswer(o, listKey(o), Boolean(o.json), (all) => listAnswer(all, o));
    });

  townOptions(bead.command('show').description('show one bead with its history').argument('<id>'))
    .option('--json', 'JSON output')
    .action(async (id, o) => {
      const b = await (await storeFor(o)).get(id);
      if (o.json) printJson(b);
      else showBead(b);
    });

  townOptions(bead.command('update').description('change fields or the status of a bead').argument('<id>'))
    .addOption(new Option('--status <status>', 'move to this status (checked against the allowed transitions)').choices([...STATUSES]))
    .option('--title <text>', `new title: one line, at most ${TITLE_MAX} characters`, parseTitle)
    .option('--description <text>', 'new description')
    .option('--priority <0-4>', 'new priority', parseIntFlag('--priority', 0, 4))
    .option('--assignee <agent>', 'assign to an agent')
    .option('--model <model>', 'model of the assignee')
    .option('--branch <name>', 'branch')
    .option('--pr <number>', 'pull request number', parseIntFlag('--pr', 1, Number.MAX_SAFE_INTEGER))
    .option('--add-label <name>', 'add a label (repeatable)', collectText('--add-label'), [])
    .option('--note <text>', 'note for the history')
    .option('--json', 'print the bead as JSON')
    .action(async (id, o) => {
      const b = await (await storeFor(o)).update(id, (d) => {
        if (o.title) d.title = o.title;
        if (o.description !== undefined) d.description = o.description;
        if (o.priority !== undefined) d.priority = o.priority;
        if (o.assignee) d.assignee = { agent: o.assignee, model: o.model ?? null };
        if (o.branch) d.branch = o.branch;
        if (o.pr) d.pr = o.pr;
        for (const l of o.addLabel as string[]) if (!d.labels.includes(l)) d.labels.push(l);
        return { to: o.status as Status | undefined, note: o.note };
      });
      if (o.json) printJson(b);
      else process.stdout.write(`${b.id} ${b.status}\n`);
    });

  townOptions(bead.command('close').description('mark a bead done (or cancelled)').argument('<id>'))
    .option('--cancel', 'cancel instead of done')
    .option('--reason <text>', 'why, for the history')
    .option('--json', 'print the bead as JSON')
    .action(async (id, o) => {
      const b = await (await storeFor(o)).transition(id, o.cancel ? 'cancelled' : 'done', { note: o.reason });
      if (o.json) printJson(b);
      else process.stdout.write(`${b.id} ${b.status}\n`);
    });

  townOptions(bead.command('ready').description('open beads whose blockers are done, by priority then age'))
    .option('--limit <n>', 'at most this many', parseIntFlag('--limit', 1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'JSON output')
    .action(async (o) => {
      await printAnswer(o, readyKey(o), Boolean(o.json), (beads) => readyAnswer(beads, o));
    });

  townOptions(bead.command('claim').description('move a ready bead to in_progress for one agent').argument('<id>'))
    .option('--agent <name>', 'agent claiming it (default: the actor)')
    .option('--model <model>', 'model the agent runs')
    .option('--push', 'commit and push to the town remote, retrying when the remote moved')
    .option('--remote <name>', 'remote to push to', 'origin')
    .option('--json', 'print the bead as JSON')
    .action(async (id, o) => {
      const store = await storeFor(o);
      const { claimBead } = await import('../../beads/claim.js');
      const b = await claimBead(store, id, {
        assignee: { agent: o.agent ?? store.actor, model: o.model ?? null },
        push: o.push,
        remote: o.remote,
      });
      if (o.json) printJson(b);
      else process.stdout.write(`${b.id} claimed by ${b.assignee?.agent}\n`);
    });
}

function registerConvoy(program: Command): void {
  const convoy = program.command('convoy').description('groups of beads that ship together');

  townOptions(convoy.command('create').description('create a convoy; each --bead joins it (its convoy field is set)'))
    .requiredOption('--title <text>', `title: one line, at most ${TITLE_MAX} characters`, parseTitle)
    .option('--epic <number>', 'epic issue number', parseIntFlag('--epic', 1, Number.MAX_SAFE_INTEGER))
    .option('--repo <owner/name>', 'repository of the epic issue')
    .option('--bead <id>', 'bead to include; refused when it is in another convoy (repeatable)', collect, [])
    .option('--json', 'print the convoy as JSON')
    .action(async (o) => {
      const store = await storeFor(o);
      for (const id of o.bead as string[]) await store.get(id);
      const c = await store.createConvoy({
        title: o.title,
        epic: o.epic ? { issue: o.epic, repo: o.repo ?? null } : null,
        beads: o.bead,
      });
      if (o.json) printJson(c);
      else process.stdout.write(`${c.id}\n`);
    });

  townOptions(convoy.command('show').description('a convoy with its progress').argument('<id>'))
    .option('--json', 'JSON output')
    .action(async (id, o) => {
      const store = await storeFor(o);
      const c = await store.getConvoy(id);
      const beads = await readSummaries(o);
      const progress = convoyProgress(c, beads);
      if (o.json) return printJson({ ...c, progress });
      const members = beads.filter((b) => c.beads.includes(b.id));
      process.stdout.write(`${c.id}  ${c.title}${c.epic ? `  (epic #${c.epic.issue})` : ''}\n`);
      process.stdout.write(`${progress.percentDone}% done; ${Object.entries(progress.counts).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
      printTable(BEAD_HEADERS, members.map(beadRow));
      for (const w of progress.blocked) process.stdout.write(`${w.id} waits on ${w.waitingOn.join(', ')}\n`);
      if (progress.missing.length) process.stdout.write(`missing bead files: ${progress.missing.join(', ')}\n`);
    });

  townOptions(convoy.command('list').description('all convoys with their progress'))
    .option('--json', 'JSON output')
    .action(async (o) => {
      const store = await storeFor(o);
      const convoys = await readConvoys(store);
      const beads = await readSummaries(o);
      const rows = convoys.map((c) => ({ ...c, progress: convoyProgress(c, beads) }));
      if (o.json) return printJson(rows);
      printTable(['id', 'beads', 'done %', 'title'], rows.map((r) => [r.id, r.progress.total, r.progress.percentDone, r.title]));
    });
}

function registerBeadsMaintenance(program: Command): void {
  const beads = program.command('beads').description('whole-folder operations: check, bd import/export, merge driver');

  townOptions(beads.command('check').description('validate every bead file: syntax, schema, duplicate ids, dangling deps, cycles'))
    .option('--staged', 'check the bead files staged in git (used by the pre-commit hook)')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const { checkBeads } = await import('../../beads/check.js');
      const report = await checkBeads(await storeFor(o), { staged: o.staged });
      if (!o.json) for (const w of report.warnings) process.stderr.write(`gth beads check: warning: ${w.message}\n`);
      if (o.json) printJson(report);
      else if (report.problems.length) {
        process.stderr.write(`gth beads check: ${report.problems.length} problem(s) in ${report.checked} file(s):\n`);
        for (const p of report.problems) process.stderr.write(`  ${p.message}\n`);
      } else process.stdout.write(`ok: ${report.checked} file(s) checked\n`);
      if (report.problems.length) process.exitCode = 1;
    });

  townOptions(beads.command('import').description("import a bd issues.jsonl (e.g. .beads/issues.jsonl)").argument('<file>'))
    .option('--json', 'JSON summary')
    .action(async (file, o) => {
      const { importBdJsonl } = await import('../../beads/bd-interop.js');
      const text = await readFile(file, 'utf8').catch((err: Error) => {
        throw new UsageError(`cannot read ${file}: ${err.message}`);
      });
      const { beads: imported, problems } = importBdJsonl(text, { file });
      if (problems.length) {
        throw new GthError(`${file}: nothing imported; ${problems.length} bad line(s):\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
      }
      const store = await storeFor(o);
      const { serializeBead } = await import('../../beads/serialize.js');
      // A file already there (even a broken one) is never overwritten.
      const fresh = imported.filter((b) => !existsSync(store.beadPath(b.id)));
      for (const b of fresh) await writeFileAtomic(store.beadPath(b.id), serializeBead(b));
      const known = new Set([...(await store.scan()).beads.map((b) => b.bead.id)]);
      const external = fresh.flatMap((b) => b.dependencies.filter((d) => !known.has(d.id)).map((d) => ({ bead: b.id, dependsOn: d.id })));
      const summary = { file, imported: fresh.length, skippedExisting: imported.length - fresh.length, external };
      if (o.json) printJson(summary);
      else {
        process.stdout.write(`imported ${summary.imported} bead(s) from ${file}; ${summary.skippedExisting} already present\n`);
        if (external.length) {
          const shown = external.slice(0, 20).map((e) => `  ${e.bead} -> ${e.dependsOn}`);
          const more = external.length > shown.length ? [`  ... and ${external.length - shown.length} more (--json lists all)`] : [];
          process.stderr.write(
            `gth beads import: warning: ${external.length} dependenc${external.length === 1 ? 'y names a bead' : 'ies name beads'} not in this export (kept, treated as external; they never become ready):\n${[...shown, ...more].join('\n')}\n`,
          );
        }
      }
    });

  townOptions(beads.command('export').description('export beads as bd issues.jsonl'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (o) => {
      const { exportBdJsonl } = await import('../../beads/bd-interop.js');
      const text = exportBdJsonl(await (await storeFor(o)).list());
      if (o.out) await writeFileAtomic(resolve(o.out), text);
      else process.stdout.write(text);
    });

  beads
    .command('merge')
    .description('git merge driver for one bead file: gth beads merge %O %A %B (result written to %A)')
    .argument('<base>', 'common ancestor (%O)')
    .argument('<ours>', 'our version, receives the result (%A)')
    .argument('<theirs>', 'their version (%B)')
    .action(async (base, ours, theirs) => {
      const { mergeBeadFiles } = await import('../../beads/merge.js');
      process.exitCode = await mergeBeadFiles(base, ours, theirs);
    });
}

function registerHooks(program: Command): void {
  const hooks = program.command('hooks').description('git hooks for the town repository');
  hooks
    .command('install')
    .description('install the pre-commit bead check and register the bead merge driver')
    .option('--dir <path>', 'town repository (default: $GTH_TOWN or the current folder)')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const { installHooks } = await import('../../beads/hooks.js'); // simple-git: loaded only here
      const r = await installHooks(townDir(o));
      if (o.json) printJson(r);
      else {
        const user = r.userHook ? `\nyour own pre-commit hook, run after ours: ${r.userHook}` : '';
        process.stdout.write(`pre-commit hook: ${r.hook}${user}\nmerge driver: ${r.driver}\nattributes: ${r.attributes}\nignored: ${r.ignore}\n`);
      }
    });
}

export function register(program: Command): void {
  registerBead(program);
  registerConvoy(program);
  registerBeadsMaintenance(program);
  registerHooks(program);
}
