// HTTP probes against one llama-server: /health, /slots, /metrics.
import { parsePrometheus, toLlamaMetrics, type LlamaMetrics } from './prometheus.js';

export type HealthState = 'ok' | 'loading' | 'error' | 'down';

async function get(url: string, apiKey: string | undefined, timeoutMs: number): Promise<Response> {
  return fetch(url, {
    headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** ok = 200; loading = 503 (model still loading); error = other status; down = no answer. */
export async function probeHealth(baseUrl: string, timeoutMs = 3000): Promise<HealthState> {
  try {
    const r = await get(`${baseUrl}/health`, undefined, timeoutMs);
    await r.arrayBuffer();
    if (r.status === 200) return 'ok';
    return r.status === 503 ? 'loading' : 'error';
  } catch {
    return 'down';
  }
}

export interface SlotInfo {
  id: number;
  nCtx: number;
  isProcessing: boolean;
}

export async function fetchSlots(baseUrl: string, apiKey: string, timeoutMs = 3000): Promise<SlotInfo[]> {
  const r = await get(`${baseUrl}/slots`, apiKey, timeoutMs);
  if (!r.ok) throw new Error(`GET ${baseUrl}/slots answered ${r.status}`);
  const body = (await r.json()) as unknown;
  if (!Array.isArray(body)) throw new Error(`GET ${baseUrl}/slots: expected an array`);
  return body.map((s: { id?: unknown; n_ctx?: unknown; is_processing?: unknown }) => ({
    id: Number(s.id),
    nCtx: Number(s.n_ctx),
    isProcessing: s.is_processing === true,
  }));
}

export async function fetchMetrics(baseUrl: string, apiKey: string, timeoutMs = 3000): Promise<LlamaMetrics> {
  const r = await get(`${baseUrl}/metrics`, apiKey, timeoutMs);
  if (!r.ok) throw new Error(`GET ${baseUrl}/metrics answered ${r.status}`);
  return toLlamaMetrics(parsePrometheus(await r.text()));
}
