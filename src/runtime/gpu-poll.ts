// GPU readings for a frequent caller in a serving process (the cost meter's power samples): they come from one
// long-lived nvidia-smi poll loop (NvidiaSmi.loop), started on first use and stopped once nobody asked for a while,
// so the process forks nothing per sample (each fork of the endpoint's process stalled its requests).
import type { GpuReading, GpuSample } from './gpu.js';

type Loop = (periodMs: number, onSample: (s: GpuSample | Error) => void) => { stop(): void };

export interface PolledGpuOptions {
  /** How often the loop samples while it runs; a reading this fresh is served without waiting. */
  periodMs: number;
  /** The loop stops when no read came for this long (default: five periods, at least 5 s). */
  idleMs?: number;
  clock?: () => number;
}

export class PolledGpuReader {
  private loop: { stop(): void } | null = null;
  private latest: { at: number; reading: GpuReading | null } | null = null;
  private waiting: { resolve: (r: GpuReading | null) => void; reject: (e: Error) => void }[] = [];
  private lastAsk = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;
  private readonly idleMs: number;

  constructor(
    private readonly smi: { loop: Loop },
    private readonly o: PolledGpuOptions,
  ) {
    this.clock = o.clock ?? Date.now;
    this.idleMs = o.idleMs ?? Math.max(5000, o.periodMs * 5);
  }

  /** Whether the poll loop runs now. */
  get polling(): boolean {
    return this.loop !== null;
  }

  /** The latest reading if it is at most one period old, else the next one the loop gives; a failed sample rejects. */
  read(): Promise<GpuReading | null> {
    this.lastAsk = this.clock();
    if (this.latest && this.lastAsk - this.latest.at <= this.o.periodMs) return Promise.resolve(this.latest.reading);
    const next = new Promise<GpuReading | null>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.start();
    return next;
  }

  private start(): void {
    if (this.loop) return;
    this.loop = this.smi.loop(this.o.periodMs, (s) => this.onSample(s));
    this.idleTimer = setInterval(() => {
      if (!this.waiting.length && this.clock() - this.lastAsk >= this.idleMs) this.pause();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private onSample(s: GpuSample | Error): void {
    const waiting = this.waiting;
    this.waiting = [];
    if (s instanceof Error) {
      this.latest = null;
      for (const w of waiting) w.reject(s);
      return;
    }
    this.latest = { at: this.clock(), reading: s.reading };
    for (const w of waiting) w.resolve(s.reading);
  }

  /** Stops the loop until the next read (a kept reading goes stale by itself). */
  private pause(): void {
    this.loop?.stop();
    this.loop = null;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }

  /** Stops the loop for good; reads still waiting fail. */
  close(): void {
    this.pause();
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(new Error('the GPU reader was closed'));
  }
}
