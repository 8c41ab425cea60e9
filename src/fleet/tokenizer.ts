// gpt-tokenizer's countTokens, loaded on first use: building its 200k-entry vocabulary costs more than the rest
// of `gth plan`'s start-up, and a plan served from the token cache (token-cache.ts) never needs it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Count = (text: string) => number;

const require = createRequire(import.meta.url);
let loaded: Count | undefined;
let version: string | undefined;

function packageDir(): string {
  return dirname(require.resolve('gpt-tokenizer/package.json'));
}

/** Tokens of `text` by gpt-tokenizer (o200k_base); the first call loads the tokenizer. */
export function countTokens(text: string): number {
  // require() of the package's ES module (Node >= 20.19, our engines floor) gives the same instance an `import` gets,
  // so a process that also imports gpt-tokenizer elsewhere builds the vocabulary once.
  loaded ??= (require(join(packageDir(), 'esm', 'main.js')) as { countTokens: Count }).countTokens;
  return loaded(text);
}

/** Names the tokenizer and its version, so cached counts are dropped when either changes. */
export function tokenizerId(): string {
  version ??= (require(join(packageDir(), 'package.json')) as { version: string }).version;
  return `gpt-tokenizer@${version} o200k_base`;
}
