// The Librarian: `##` doc comments where GDScript lacks them, and a refreshed README; never a code change.
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import type { Bead } from '../../beads/schema.js';
import { listFiles } from '../../fleet/rig-context.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { findDocGaps, insertDocComments } from '../librarian/doc-gaps.js';
import { parseEditBlocks } from '../edits/parse.js';
import { applyEditBlocks, formatEditReport } from '../edits/apply.js';
import { checkNoCodeChange, formatCodeChanges } from '../librarian/no-code-change.js';
import { resolveRigPath, type EditPolicy } from '../policy/protected-paths.js';
import { CrewConsultant } from './consult.js';
import type { EngineContext } from './types.js';
import { GthError } from '../../util/errors.js';

const LibrarianDocs = z.strictObject({
  docs: z.record(z.string(), z.string().min(1)),
  /** Optional edit blocks for existing comments (typos, outdated docs); checked like everything else. */
  edits: z.string().default(''),
  /** Bugs the Librarian saw but must not fix (its brief says so): kept on the bead's history for the team to plan. */
  notes: z.string().max(2000).default(''),
});

const LibrarianReadme = z.strictObject({ readme: z.string().min(40, 'the README must say something') });

export interface LibrarianResult {
  ok: boolean;
  branch: string;
  documented: string[];
  problems: string[];
  /** The model's notes on bugs it saw in the code it documented, one per file ("file: note"). */
  notes: string[];
}

async function readAtBase(ctx: EngineContext, worktree: string, path: string): Promise<string | null> {
  return ctx.git.show(worktree, ctx.convoyBranch, path);
}

export function librarianBranch(beadId: string): string {
  return `librarian/${beadId}`;
}

/** Documents the bead's GDScript files (all of the rig's when it names none) and refreshes README.md. */
export async function runLibrarian(ctx: EngineContext, bead: Bead): Promise<LibrarianResult> {
  const branch = librarianBranch(bead.id);
  const worktree = join(ctx.worktrees, branch.replace('/', '-'));
  await ctx.git.worktree(worktree, branch, ctx.convoyBranch);
  const choice = await ctx.router.choose('librarian', 0, bead);
  if (!choice) throw new GthError('no model is configured for the librarian role');
  ctx.emit({ kind: 'model', role: 'librarian', model: choice.label, beadId: bead.id });
  const meta = { role: 'librarian' as const, beadId: bead.id, convoyId: ctx.convoyId };
  // Every answer of this run may first ask the Crew a rig question (up to the limit for the whole run).
  const crew = new CrewConsultant(ctx, 'librarian', bead);
  // Same policy as every model edit: no tests, add-ons, rig config or CI, nothing outside the rig; docs allowed.
  const policy: EditPolicy = { role: 'librarian', rig: ctx.rig.config };
  const documented: string[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const files: { file: string; abs: string }[] = [];
  for (const f of (bead.files.length ? bead.files : listFiles(worktree)).filter((p) => p.endsWith('.gd'))) {
    const where = resolveRigPath(worktree, f, policy);
    // A file the bead names explicitly and the policy refuses is worth a note; the rig's own add-ons and tests are not.
    if (!where.ok) {
      if (bead.files.length) problems.push(`${f}: not documented: ${where.reason}`);
    } else if (existsSync(where.abs)) files.push({ file: where.path, abs: where.abs });
  }
  const before: Record<string, string | null> = {};
  const after: Record<string, string | null> = {};
  for (const { file, abs } of files) {
    const src = readFileSync(abs, 'utf8');
    before[file] = src;
    const gaps = findDocGaps(src);
    if (!gaps.length) continue;
    const out = await crew.askJson(
      choice,
      [
        { role: 'system', content: ctx.brief('librarian', ctx.rig) },
        {
          role: 'user',
          content: [
            `# Write \`##\` doc comments for ${file}`,
            'Declarations without docs (key: signature):',
            ...gaps.map((g) => `- ${g.key}: ${g.signature}`),
            '',
            '```gdscript',
            src,
            '```',
            'Answer as JSON {"docs": {"<key>": "<doc text without ## markers>"}} with one entry per key above, and "notes": "<one sentence per bug you saw>" if any.',
          ].join('\n'),
        },
      ],
      meta,
      LibrarianDocs,
      'librarian_docs',
    );
    const placed = insertDocComments(src, out.docs);
    if (out.notes.trim()) notes.push(`${file}: ${out.notes.trim()}`);
    if (placed.unknown.length) problems.push(`${file}: the model answered unknown keys ${placed.unknown.join(', ')} (ignored)`);
    writeFileAtomicSync(abs, placed.source);
    documented.push(...placed.inserted.map((k) => `${file}:${k}`));
    if (out.edits.trim()) {
      const parsed = parseEditBlocks(out.edits);
      const applied = applyEditBlocks(worktree, parsed.blocks, { allOrNothing: true, policy });
      if (!applied.ok) problems.push(formatEditReport(applied, parsed.errors));
      for (const p of applied.written) if (!(p in before)) before[p] = await readAtBase(ctx, worktree, p);
    }
  }
  for (const file of Object.keys(before)) after[file] = existsSync(join(worktree, file)) ? readFileSync(join(worktree, file), 'utf8') : null;
  const check = checkNoCodeChange(before, after);
  if (!check.ok) {
    // Never commit a Librarian change that touched code: throw the whole change away.
    await ctx.git.worktree(worktree, branch, ctx.convoyBranch);
    return { ok: false, branch, documented: [], problems: [formatCodeChanges(check)], notes };
  }
  const readmeAt = resolveRigPath(worktree, 'README.md', policy);
  if (!readmeAt.ok) return { ok: false, branch, documented: [], problems: [...problems, `README.md: ${readmeAt.reason}`], notes };
  const readmePath = readmeAt.abs;
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const refreshed = await crew.askJson(
    choice,
    [
      { role: 'system', content: ctx.brief('librarian', ctx.rig) },
      {
        role: 'user',
        content: `# Refresh the rig README\nKeep what is true, add what the documented scripts now explain.\n\nCurrent README.md:\n${readme}\n\nDocumented: ${documented.join(', ') || 'nothing new'}\n\nAnswer as JSON {"readme": "<full markdown>"}.`,
      },
    ],
    meta,
    LibrarianReadme,
    'librarian_readme',
  );
  writeFileAtomicSync(readmePath, refreshed.readme.endsWith('\n') ? refreshed.readme : `${refreshed.readme}\n`);
  await ctx.git.commitAll(worktree, `${bead.id}: docs (${documented.length} doc comment(s)) and README`, `librarian-${bead.id}`);
  await ctx.git.push(worktree, branch, true);
  return { ok: true, branch, documented, problems, notes };
}
