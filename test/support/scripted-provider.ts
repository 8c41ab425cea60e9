// Test-only ChatProvider that answers from a script, through the real repair round and meter hooks.
import type { z } from 'zod';
import { runChat, type RoundTripRequest } from '../../src/providers/structured.js';
import type { CallMeter, ChatProvider, ChatRequest, ChatResponse, ProviderKind, Usage } from '../../src/providers/types.js';

/** A reply: fixed text, or computed from the request; `usage` overrides the counted tokens. */
export type ScriptedReply = string | { text: string; usage?: Partial<Usage> } | ((req: RoundTripRequest) => string | { text: string; usage?: Partial<Usage> });

export interface ScriptedRule {
  /** Regex tested against all message contents joined with "\n". */
  match?: string | RegExp;
  reply: ScriptedReply;
  /** Uses before the rule retires; unlimited when absent. */
  times?: number;
}

export interface ScriptedProviderOptions {
  rules?: ScriptedRule[];
  /** Replies used in order when no rule matches; the last one repeats. */
  replies?: ScriptedReply[];
  model?: string;
  kind?: ProviderKind;
  local?: boolean;
  meter?: CallMeter;
  /** Throw this error on round trip n (0-based), to test callers' failure paths. */
  failOn?: Record<number, Error>;
}

/** Counts words as tokens: simple, deterministic, and easy to compute by hand in a test. */
export const wordTokens = (text: string): number => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);

export class ScriptedProvider implements ChatProvider {
  readonly kind: ProviderKind;
  readonly model: string;
  readonly local: boolean;
  /** Every round trip's request, in order (a repair round adds one). */
  readonly requests: RoundTripRequest[] = [];
  private readonly uses = new Map<number, number>();
  private sequence = 0;

  constructor(private readonly opts: ScriptedProviderOptions = {}) {
    this.kind = opts.kind ?? 'openai-compatible';
    this.model = opts.model ?? 'scripted-model';
    this.local = opts.local ?? this.kind === 'openai-compatible';
  }

  chat<S extends z.ZodType>(req: ChatRequest<S> & { schema: S }): Promise<ChatResponse<z.infer<S>>>;
  chat(req: ChatRequest): Promise<ChatResponse>;
  chat(req: ChatRequest): Promise<ChatResponse> {
    return runChat(req, { provider: this.kind, model: this.model, local: this.local, meter: this.opts.meter, roundTrip: (r) => this.roundTrip(r) });
  }

  private pick(r: RoundTripRequest): ScriptedReply {
    const joined = r.messages.map((m) => m.content).join('\n');
    const rules = this.opts.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const used = this.uses.get(i) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      const re = rule.match === undefined ? undefined : typeof rule.match === 'string' ? new RegExp(rule.match) : rule.match;
      if (!re || re.test(joined)) {
        this.uses.set(i, used + 1);
        return rule.reply;
      }
    }
    const replies = this.opts.replies ?? [];
    if (replies.length === 0) throw new Error(`ScriptedProvider: no rule matched and no replies left for: ${joined.slice(0, 200)}`);
    const reply = replies[Math.min(this.sequence, replies.length - 1)]!;
    this.sequence++;
    return reply;
  }

  private async roundTrip(r: RoundTripRequest) {
    const n = this.requests.length;
    this.requests.push(r);
    const failure = this.opts.failOn?.[n];
    if (failure) throw failure;
    const picked = this.pick(r);
    const resolved = typeof picked === 'function' ? picked(r) : picked;
    const { text, usage } = typeof resolved === 'string' ? { text: resolved, usage: undefined } : resolved;
    if (r.stream && r.onProgress) {
      let sofar = '';
      const words = text.match(/\S+\s*|\s+/g) ?? [];
      words.forEach((w, i) => {
        sofar += w;
        r.onProgress?.({ tokens: i + 1, text: sofar });
      });
    }
    const counted: Usage = {
      prompt: r.messages.reduce((s, m) => s + wordTokens(m.content), 0),
      completion: wordTokens(text),
      cached: 0,
      thinking: 0,
    };
    return { text, usage: { ...counted, ...usage }, latencyMs: 1, ttftMs: r.stream ? 0 : undefined, model: this.model };
  }
}
