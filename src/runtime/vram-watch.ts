// Polls nvidia-smi and emits 'pause', 'stop' or 'ok' as the desktop's VRAM use grows and shrinks.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { GpuSample, NvidiaSmi } from './gpu.js';
import { assessPressure } from './vram-pressure.js';

export class VramWatch extends EventEmitter {
  private loop: { stop(): void } | null = null;

  constructor(
    private readonly smi: NvidiaSmi,
    private readonly s: { desktopReserveMiB: number; vram: { pollMs: number; pauseGrowthMiB: number; stopGrowthMiB: number } },
    private readonly ownPids: () => ReadonlySet<number>,
    private readonly log: Logger,
  ) {
    super();
  }

  /**
   * Samples from one long-lived child (NvidiaSmi.loop), not a spawn per poll: this runs inside `gth runtime up`,
   * beside the endpoint, where each fork of the process stalled the requests it serves (two per poll before).
   */
  start(): void {
    this.loop ??= this.smi.loop(this.s.vram.pollMs, (sample) => {
      // Called from the child's output stream: a listener that throws must not take the process down.
      try {
        this.assess(sample);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'VRAM pressure handling failed');
      }
    });
  }

  stop(): void {
    this.loop?.stop();
    this.loop = null;
  }

  /** One sample: the pressure level it means, emitted; a failed reading is logged and changes nothing. */
  assess(sample: GpuSample | Error): void {
    if (sample instanceof Error) {
      this.log.debug({ err: sample.message }, 'nvidia-smi poll failed');
      return;
    }
    if (!sample.reading) return;
    const d = assessPressure({ reading: sample.reading, apps: sample.apps ?? [], ownPids: this.ownPids(), desktopReserveMiB: this.s.desktopReserveMiB, policy: this.s.vram });
    this.emit(d.level, d.reason, d.desktopMiB);
  }
}
