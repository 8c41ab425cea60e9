// What every role procedure gets from the engine: the store, the rig, git, models and a progress sink.
import type { Logger } from 'pino';
import type { Role, Bead } from '../../beads/schema.js';
import type { BeadStore } from '../../beads/store.js';
import type { LoadedRig } from '../rig/load.js';
import type { RigGit } from './rig-git.js';
import type { ModelRouter } from './router.js';
import type { RefineryReview } from '../contracts.js';

export type EngineEvent =
  | { kind: 'phase'; phase: string }
  /** `review`: the whole review a review job got (comments with lines), beside the verdict the machine is fed. */
  | { kind: 'bead'; beadId: string; status: string; model?: string; note?: string; review?: RefineryReview }
  | { kind: 'model'; role: Role; model: string; beadId?: string; tokensPerSecond?: number };

/** A role's system prompt for a rig (versioned brief + the rig's docs). */
export type BriefFn = (role: Role, rig: LoadedRig) => string;

export interface EngineContext {
  store: BeadStore;
  rig: LoadedRig;
  git: RigGit;
  router: ModelRouter;
  /** System prompt of a role for this rig (versioned brief + the rig's README and AGENTS.md). */
  brief: (role: Role, rig: LoadedRig) => string;
  /** Folder for agent worktrees, outside the rig's own work tree. */
  worktrees: string;
  /** Edit/test rounds per model before the switcher escalates. */
  attemptsPerModel: number;
  /** Token budget for a bead's context: the context per slot of the server the fleet plan gives it, less the answer. */
  contextBudget: number | ((bead: Bead) => number);
  convoyId: string;
  convoyBranch: string;
  log: Logger;
  emit: (e: EngineEvent) => void;
  /** Environment for the rig's test command. */
  testEnv?: NodeJS.ProcessEnv;
}


export function budgetFor(ctx: Pick<EngineContext, 'contextBudget'>, bead: Bead): number {
  return typeof ctx.contextBudget === 'function' ? ctx.contextBudget(bead) : ctx.contextBudget;
}
