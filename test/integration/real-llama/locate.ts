// Finds the real llama-server build (and the vocab GGUFs of its source) for the real-server test tier.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'vitest';

export const LLAMA_PIN = '3.21.1';

/**
 * Request fields that keep the random-weights model to ASCII: left free, it samples byte tokens that do not form
 * UTF-8, and this llama-server refuses such output with HTTP 500 ("does not match the expected peg-native format"),
 * about 1 call in 10 (mid-stream too, where no client retries). A GBNF grammar is llama-server's own request field.
 */
export const ASCII_ONLY = { grammar: 'root ::= [a-zA-Z .,]+' } as const;

export interface RealLlama {
  binary: string | null;
  vocab: string | null;
  /** Why the tier is skipped, when it is. */
  skipReason: string | null;
}

export function locateRealLlama(env: NodeJS.ProcessEnv = process.env): RealLlama {
  const cacheRoot = env.GTH_LLAMA_CACHE || join(homedir(), '.cache', 'gastown-hybrid', 'llama.cpp');
  const cached = join(cacheRoot, env.GTH_LLAMA_PIN || LLAMA_PIN, 'bin', 'llama-server');
  const binary = env.GTH_LLAMA_SERVER || cached;
  if (!existsSync(binary)) {
    return {
      binary: null, vocab: null,
      skipReason: `no llama-server binary at ${binary} (run runner-setup/build-llama-server.sh or set GTH_LLAMA_SERVER)`,
    };
  }
  // The build script keeps the source beside bin/; its models/ folder ships vocab-only GGUFs. Qwen2's has
  // <|im_start|>/<|im_end|> as special tokens, so the ChatML template and grammar-constrained output work.
  const vocab = env.GTH_LLAMA_VOCAB || join(dirname(dirname(binary)), 'src', 'models', 'ggml-vocab-qwen2.gguf');
  if (!existsSync(vocab)) {
    return { binary, vocab: null, skipReason: `no vocab GGUF at ${vocab} (set GTH_LLAMA_VOCAB to a llama.cpp models/ggml-vocab-*.gguf)` };
  }
  return { binary, vocab, skipReason: null };
}

/**
 * Outside CI a missing build skips the tier and says why (on stderr and in the suite title). In CI
 * (CI=true, set by .ci/run) the tier must run: a missing build is registered as a failing test, not a skip.
 */
export function announceSkip(tier: string, reason: string | null, env: NodeJS.ProcessEnv = process.env): void {
  if (reason === null) return;
  if (env.CI === 'true') {
    describe(`${tier} (required in CI)`, () => {
      it('has a real llama-server build to run against', () => {
        throw new Error(`CI=true: the ${tier} must run, but ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`${tier} SKIPPED: ${reason}\n`);
}
