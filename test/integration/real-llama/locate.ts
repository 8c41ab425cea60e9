// Finds the real llama-server build (and the vocab GGUFs of its source) for the real-server test tier.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const LLAMA_PIN = '3.21.1';

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
