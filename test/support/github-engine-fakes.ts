// Scripted stand-ins for the agent engine ports (Mayor planner, convoy lookup) used by the GitHub app tests.
import type { ConvoyLookup, ConvoyProgress, EpicPlanner, EpicRequest } from '../../src/github/ports.js';
import type { RepoRef } from '../../src/github/events.js';

type Step<T> = T | Error;

/** Answers planEpic with the scripted results in order; optionally waits on a gate so tests can see the webhook answered first. */
export class ScriptedPlanner implements EpicPlanner {
  readonly calls: EpicRequest[] = [];
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  constructor(private readonly script: Step<ConvoyProgress>[], private readonly onPlanned?: (req: EpicRequest, p: ConvoyProgress) => void) {}

  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }

  release(): void {
    this.openGate?.();
  }

  async planEpic(req: EpicRequest): Promise<ConvoyProgress> {
    this.calls.push(req);
    if (this.gate) await this.gate;
    const step = this.script.shift();
    if (!step) throw new Error('ScriptedPlanner: no scripted answer left');
    if (step instanceof Error) throw step;
    this.onPlanned?.(req, step);
    return step;
  }
}

/** An in-memory convoy lookup keyed by epic issue; tests move beads by editing `byIssue`. */
export class MemoryConvoys implements ConvoyLookup {
  readonly byIssue = new Map<number, ConvoyProgress & { finished: boolean }>();

  async findByEpic(_repo: RepoRef, issueNumber: number) {
    const c = this.byIssue.get(issueNumber);
    return c ? structuredClone(c) : null;
  }

  async findByBranch(_repo: RepoRef, branch: string) {
    for (const [issueNumber, c] of this.byIssue) if (c.branch === branch) return { issueNumber };
    return null;
  }
}
