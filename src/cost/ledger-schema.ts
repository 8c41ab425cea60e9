// One ledger line per model round trip: who asked, which model, tokens, time, energy and money.
import { z } from 'zod';
import { IsoTime, Role } from '../beads/schema.js';
import { ProviderKind } from '../providers/types.js';

const Count = z.int().nonnegative();

// Plain z.object (not strict) so a newer writer's extra fields do not make old readers skip lines.
export const LedgerEntry = z.object({
  v: z.literal(1),
  time: IsoTime,
  role: Role,
  bead: z.string().min(1).nullable(),
  convoy: z.string().min(1).nullable(),
  /** Who asked through the fleet endpoint (API key name or X-Gth-Caller header); absent for our own engine. */
  caller: z.string().min(1).optional(),
  provider: ProviderKind,
  model: z.string().min(1),
  /** Ran on this PC (priced as electricity) rather than in the cloud (priced per token). */
  local: z.boolean(),
  /** Where a local call ran: its energy is that device's. Absent on cloud calls and on older lines (metered as GPU). */
  device: z.enum(['gpu', 'cpu']).optional(),
  /** The meter (one per process) that wrote the line: overlapping calls are split only within one meter. */
  meter: z.string().min(1).optional(),
  tokens: z.object({ in: Count, out: Count, cached: Count, thinking: Count }),
  seconds: z.number().nonnegative(),
  ttftSeconds: z.number().nonnegative().optional(),
  energyWh: z.number().nonnegative(),
  /** sampled: integrated from power readings; configured: configured watts x seconds; none: cloud. */
  energySource: z.enum(['sampled', 'configured', 'none']),
  money: z.object({
    cloudUsd: z.number().nonnegative(),
    electricityUsd: z.number().nonnegative(),
    totalUsd: z.number().nonnegative(),
  }),
  /** Present when the call failed (after retries); its time and energy still count. */
  error: z.string().optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** A ledger line that could not be read: reported with its 1-based line number, then skipped. */
export interface LedgerProblem {
  line: number;
  message: string;
}
