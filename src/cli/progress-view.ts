// Live progress for long runs: one line per event, and a redrawn status line when stderr is a terminal.
import type { EngineEvent } from '../agents/engine/types.js';

export class ProgressView {
  private readonly status = new Map<string, string>();
  private model = '-';
  private phase = '-';

  constructor(private readonly out: NodeJS.WriteStream) {}

  onEvent(e: EngineEvent): void {
    if (e.kind === 'phase') this.phase = e.phase;
    if (e.kind === 'model') this.model = `${e.role} on ${e.model}${e.tokensPerSecond ? ` (${e.tokensPerSecond.toFixed(1)} tok/s)` : ''}`;
    if (e.kind === 'bead') this.status.set(e.beadId, e.status);
    const line =
      e.kind === 'phase' ? `== ${e.phase}` : e.kind === 'model' ? `   ${this.model}${e.beadId ? ` for ${e.beadId}` : ''}` : `   ${e.beadId}: ${e.status}${e.model ? ` (${e.model})` : ''}${e.note ? ` - ${e.note}` : ''}`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}\n${this.summary()}`);
    else this.out.write(`${line}\n`);
  }

  summary(): string {
    const counts = new Map<string, number>();
    for (const s of this.status.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    return `[${this.phase}] ${[...counts].map(([s, n]) => `${s}: ${n}`).join('  ')} | ${this.model}`;
  }

  close(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
  }
}
