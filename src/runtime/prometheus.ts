// Parses llama-server's Prometheus /metrics text into the figures the runtime keeps.
export interface LlamaMetrics {
  promptTokensTotal: number;
  tokensPredictedTotal: number;
  /** Average prompt throughput (tokens/s) since the server started. */
  promptTokensPerSecond: number;
  /** Average generation throughput (tokens/s) since the server started. */
  predictedTokensPerSecond: number;
  requestsProcessing: number;
  requestsDeferred: number;
}

/** Sample values by metric name (labels ignored; the first sample of a name wins). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(trimmed);
    if (!m || !m[1] || !m[3]) continue;
    const value = Number(m[3]);
    if (!out.has(m[1]) && !Number.isNaN(value)) out.set(m[1], value);
  }
  return out;
}

export function toLlamaMetrics(samples: Map<string, number>): LlamaMetrics {
  const get = (name: string): number => samples.get(`llamacpp:${name}`) ?? 0;
  return {
    promptTokensTotal: get('prompt_tokens_total'),
    tokensPredictedTotal: get('tokens_predicted_total'),
    promptTokensPerSecond: get('prompt_tokens_seconds'),
    predictedTokensPerSecond: get('predicted_tokens_seconds'),
    requestsProcessing: get('requests_processing'),
    requestsDeferred: get('requests_deferred'),
  };
}
