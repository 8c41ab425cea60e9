// Which model serves a role: a ladder per role (small local -> larger local -> cloud), climbed on failure.
import type { Role, Bead } from '../../beads/schema.js';
import type { ChatProvider } from '../../providers/types.js';

export interface ModelChoice {
  provider: ChatProvider;
  /** Human label, e.g. "local:qwen2.5-coder-3b" or "cloud:gemini-3-flash-preview". */
  label: string;
}

export interface ModelRouter {
  /**
   * The model for `role` at escalation step `step` (0 = first choice); null when the ladder is exhausted.
   * Beads let the switcher pick by token count.
   */
  choose(role: Role, step: number, bead?: Bead): Promise<ModelChoice | null>;
}

/** A fixed ladder per role; the fleet planner builds these from the switcher's rules. */
export class LadderRouter implements ModelRouter {
  constructor(private readonly ladders: Partial<Record<Role, ModelChoice[]>>) {}

  async choose(role: Role, step: number): Promise<ModelChoice | null> {
    return this.ladders[role]?.[step] ?? null;
  }
}
