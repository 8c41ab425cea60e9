// Finds local calls that ran at the same time on one device but were metered by different processes.
import type { LedgerEntry } from './ledger-schema.js';

/**
 * A meter splits a device's draw among the calls it knows of; two processes each metering their own calls
 * both charge the whole draw for the time they shared. Returns the indexes (into `entries`) of local calls
 * that overlapped a call on the same device from another meter. Lines without a meter id are left out.
 */
export function crossMeterOverlaps(entries: readonly LedgerEntry[]): Set<number> {
  const hit = new Set<number>();
  const spans = entries
    .map((e, i) => ({ i, meter: e.meter, device: e.device ?? 'gpu', start: Date.parse(e.time), end: Date.parse(e.time) + e.seconds * 1000, local: e.local }))
    .filter((s) => s.local && s.meter !== undefined)
    .sort((a, b) => a.start - b.start);
  const running: typeof spans = [];
  for (const s of spans) {
    // Sweep in start order: keep only the calls still running when this one starts.
    for (let k = running.length - 1; k >= 0; k--) if (running[k]!.end <= s.start) running.splice(k, 1);
    for (const r of running) {
      if (r.device === s.device && r.meter !== s.meter) {
        hit.add(r.i);
        hit.add(s.i);
      }
    }
    running.push(s);
  }
  return hit;
}
