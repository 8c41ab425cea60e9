// Output contracts of the agents (zod) and the pure Mayor-plan -> beads conversion (all beads or every problem).
import { z } from 'zod';
import { Bead, BeadType, Role, type Bead as BeadT } from '../beads/schema.js';
import { zodProblems } from './model-json.js';

const nonEmpty = (what: string) => z.string().trim().min(1, `${what} must not be empty`);

/** A relative path inside a rig: no absolute paths, no "..". */
export const RigPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..'), 'must be a path relative to the rig, without ".."');

// ---- Mayor ----

export const PlanKey = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'keys are letters, digits, "-" or "_"');

export const MayorPlanBead = z.object({
  /** Plan-local key; deps refer to it, ids are assigned when the plan is accepted. */
  key: PlanKey,
  title: nonEmpty('title'),
  description: z.string().default(''),
  type: BeadType.default('task'),
  // The Mayor plans and Crew answers questions; beads are work for the other three roles.
  role: Role.exclude(['mayor', 'crew']),
  rig: nonEmpty('rig'),
  files: z.array(RigPath).default([]),
  acceptance: z.array(nonEmpty('acceptance criterion')).min(1, 'give at least one acceptance criterion'),
  deps: z.array(PlanKey).default([]),
  priority: z.int().min(0).max(4).default(2),
});

export const MayorPlan = z.object({
  title: nonEmpty('title'),
  /** The plan document (markdown), committed under plans/. */
  plan: nonEmpty('plan'),
  beads: z.array(MayorPlanBead).min(1, 'a plan needs at least one bead'),
});

export type MayorPlanBead = z.infer<typeof MayorPlanBead>;
export type MayorPlan = z.infer<typeof MayorPlan>;

// ---- Crew ----

export const NOT_IN_DOCS = "not in the rig's docs";

export const CrewAnswer = z
  .object({
    answer: nonEmpty('answer'),
    found: z.boolean(),
    citations: z.array(RigPath).default([]),
  })
  .superRefine((v, ctx) => {
    if (v.found && v.citations.length === 0) ctx.addIssue({ code: 'custom', path: ['citations'], message: 'a found answer must cite at least one rig file' });
    if (!v.found && !v.answer.toLowerCase().includes(NOT_IN_DOCS)) {
      ctx.addIssue({ code: 'custom', path: ['answer'], message: `when found is false the answer must say "${NOT_IN_DOCS}"` });
    }
  });
export type CrewAnswer = z.infer<typeof CrewAnswer>;

/**
 * A role's structured request to the Crew mid-task: a reply whose first non-empty line is `ASK CREW: <question>`
 * (the question may go on over the next lines). The engine answers with the Crew's cited answer, or
 * "not in the rig's docs", and the same attempt goes on; nothing else in such a reply is applied.
 */
export const ASK_CREW = 'ASK CREW:';
export const CREW_QUESTION_MAX = 1_000;
/** Questions one role run may ask the Crew; past that, a request is taken as the role's answer (engine/consult.ts). */
export const MAX_CREW_CONSULTS = 3;

/** The question of a Crew request, or null when the reply is not one. */
export function crewRequestIn(reply: string): string | null {
  const text = reply.trimStart();
  if (!text.toUpperCase().startsWith(ASK_CREW)) return null;
  const question = text.slice(ASK_CREW.length).trim();
  return question ? question.slice(0, CREW_QUESTION_MAX) : null;
}

/**
 * The same request from a role that answers in JSON (Refinery, Librarian): instead of its answer, the object
 * `{"askCrew": "<question>"}`. One field name for every JSON role.
 */
export const ASK_CREW_FIELD = 'askCrew';
export const CrewRequest = z.object({ [ASK_CREW_FIELD]: nonEmpty(ASK_CREW_FIELD) });
export type CrewRequest = z.infer<typeof CrewRequest>;

/**
 * A role's JSON contract that also accepts a Crew request. The role's own answer comes first, so a complete
 * answer that also carries `askCrew` is taken as the answer (the question is dropped), and schema-driven
 * stand-ins and grammars default to the real answer.
 */
export function withCrewRequest<S extends z.ZodType>(schema: S): z.ZodUnion<[S, typeof CrewRequest]> {
  return z.union([schema, CrewRequest]);
}

/** The question of a parsed JSON answer that is a Crew request, or null when it is the role's answer. */
export function crewQuestionOf(value: unknown): string | null {
  const parsed = CrewRequest.strict().safeParse(value);
  return parsed.success ? parsed.data[ASK_CREW_FIELD].trim().slice(0, CREW_QUESTION_MAX) : null;
}

/** Citations must name files the Crew was actually given; returns one problem per invented file. */
export function checkCitations(answer: CrewAnswer, knownFiles: Iterable<string>): string[] {
  const known = new Set([...knownFiles].map((f) => f.replace(/^\.\//, '')));
  return answer.citations.filter((c) => !known.has(c.replace(/^\.\//, ''))).map((c) => `citations: "${c}" is not one of the rig files provided`);
}

// ---- Refinery ----

export const ReviewComment = z.object({
  path: RigPath,
  line: z.int().positive(),
  body: nonEmpty('comment body'),
});

export const RefineryReview = z
  .object({
    verdict: z.enum(['approve', 'request_changes']),
    summary: nonEmpty('summary'),
    comments: z.array(ReviewComment).default([]),
    coverage: z.object({ ok: z.boolean(), detail: nonEmpty('coverage detail') }),
  })
  .superRefine((v, ctx) => {
    if (v.verdict === 'approve' && !v.coverage.ok) {
      ctx.addIssue({ code: 'custom', path: ['verdict'], message: 'cannot approve while the coverage rule is not met' });
    }
    if (v.verdict === 'request_changes' && v.comments.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['comments'], message: 'request_changes needs at least one line comment saying what to change' });
    }
  });
export type RefineryReview = z.infer<typeof RefineryReview>;

export const TestFile = z.object({ path: RigPath, content: z.string().min(1, 'test file content must not be empty') });

/** Tests written before the Polecat starts: whole files, or edit blocks (text) for existing test files. */
export const RefineryTests = z
  .object({
    summary: z.string().default(''),
    files: z.array(TestFile).default([]),
    edits: z.string().default(''),
  })
  .refine((v) => v.files.length > 0 || v.edits.trim() !== '', { message: 'give test files or edit blocks', path: ['files'] });
export type RefineryTests = z.infer<typeof RefineryTests>;

// ---- Mayor plan -> beads ----

export interface PlanToBeadsOptions {
  /** Returns a fresh bead id for a plan key (e.g. wrapping beads/ids generateId). */
  newId: (key: string) => string;
  /** ISO time stamped on every bead. */
  now: string;
  convoy: string | null;
  /** Known rig names; when given, a bead naming another rig is a problem. */
  rigs?: readonly string[];
  by?: string;
}

export type PlanToBeadsResult = { ok: true; beads: BeadT[] } | { ok: false; problems: string[] };

/** Every cycle over plan keys, each closed ("a -> b -> a"), found by depth-first search. */
export function planCycles(beads: readonly { key: string; deps: readonly string[] }[]): string[][] {
  const deps = new Map(beads.map((b) => [b.key, b.deps.filter((d) => d !== b.key)]));
  const state = new Map<string, 'active' | 'done'>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (key: string): void => {
    state.set(key, 'active');
    path.push(key);
    for (const d of deps.get(key) ?? []) {
      if (!deps.has(d)) continue;
      const s = state.get(d);
      if (s === 'active') cycles.push([...path.slice(path.indexOf(d)), d]);
      else if (s === undefined) visit(d);
    }
    path.pop();
    state.set(key, 'done');
  };
  for (const key of deps.keys()) if (!state.has(key)) visit(key);
  return cycles;
}

/** Validates the whole plan and turns it into beads; on any problem, no bead is returned at all. */
export function planToBeads(input: unknown, opts: PlanToBeadsOptions): PlanToBeadsResult {
  const parsed = MayorPlan.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const plan = parsed.data;
  const problems: string[] = [];
  const keys = new Set<string>();
  plan.beads.forEach((b, i) => {
    if (keys.has(b.key)) problems.push(`beads[${i}].key: duplicate key "${b.key}"`);
    keys.add(b.key);
  });
  plan.beads.forEach((b, i) => {
    b.deps.forEach((d, j) => {
      if (d === b.key) problems.push(`beads[${i}].deps[${j}]: "${b.key}" depends on itself`);
      else if (!keys.has(d)) problems.push(`beads[${i}].deps[${j}]: unknown key "${d}" (known: ${[...keys].join(', ')})`);
    });
    if (opts.rigs && !opts.rigs.includes(b.rig)) problems.push(`beads[${i}].rig: unknown rig "${b.rig}" (known: ${opts.rigs.join(', ')})`);
    if (b.role === 'polecat' && b.files.length === 0) problems.push(`beads[${i}].files: a polecat bead must name the files it will change`);
  });
  for (const cycle of planCycles(plan.beads)) problems.push(`dependency cycle: ${cycle.join(' -> ')}`);
  if (problems.length > 0) return { ok: false, problems };

  const idOf = new Map<string, string>();
  for (const b of plan.beads) {
    const id = opts.newId(b.key);
    if ([...idOf.values()].includes(id)) problems.push(`id generator returned "${id}" twice`);
    idOf.set(b.key, id);
  }
  const by = opts.by ?? 'mayor';
  const beads: BeadT[] = [];
  plan.beads.forEach((b, i) => {
    const candidate = {
      id: idOf.get(b.key)!,
      title: b.title,
      description: b.description,
      type: b.type,
      role: b.role,
      rig: b.rig,
      convoy: opts.convoy,
      status: 'open',
      priority: b.priority,
      dependencies: [...new Set(b.deps)].map((d) => ({ id: idOf.get(d)!, kind: 'blocks' as const })),
      acceptance: b.acceptance,
      files: b.files,
      labels: [`plan-key:${b.key}`],
      createdAt: opts.now,
      updatedAt: opts.now,
      history: [{ at: opts.now, by, from: null, to: 'open', note: `planned from "${plan.title}"` }],
    };
    const checked = Bead.safeParse(candidate);
    if (checked.success) beads.push(checked.data);
    else problems.push(...zodProblems(checked.error, `beads[${i}] (${b.key}) as bead: `));
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, beads };
}
