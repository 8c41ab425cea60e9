// Polls nvidia-smi and emits 'pause', 'stop' or 'ok' as the desktop's VRAM use grows and shrinks.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { NvidiaSmi } from './gpu.js';
import { assessPressure } from './vram-pressure.js';

export class VramWatch extends EventEmitter {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly smi: NvidiaSmi,
    private readonly s: { desktopReserveMiB: number; vram: { pollMs: number; pauseGrowthMiB: number; stopGrowthMiB: number } },
    private readonly ownPids: () => ReadonlySet<number>,
    private readonly log: Logger,
  ) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.s.vram.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // One child process per poll for both figures (see NvidiaSmi.sample): this runs inside `gth runtime up`,
      // beside the endpoint, where every fork of the process stalls the requests it serves.
      const { reading, apps } = await this.smi.sample();
      if (!reading) return;
      const d = assessPressure({ reading, apps, ownPids: this.ownPids(), desktopReserveMiB: this.s.desktopReserveMiB, policy: this.s.vram });
      this.emit(d.level, d.reason, d.desktopMiB);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'nvidia-smi poll failed');
    } finally {
      this.busy = false;
    }
  }
}
