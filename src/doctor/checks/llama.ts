// Doctor check: llama-server runs and reports its build (GTH_LLAMA_SERVER overrides the binary, as for the runtime).
import { ok, problem, type Check } from '../types.js';

const NAME = 'llama-server';

export const checkLlamaServer: Check = async ({ run, env }) => {
  const bin = env.GTH_LLAMA_SERVER || 'llama-server';
  const r = await run(bin, ['--version']);
  const fix = 'build it with CUDA: runner-setup/build-llama-server.sh (or set GTH_LLAMA_SERVER to its path)';
  if (!r.found) return [problem(NAME, `${bin} not found`, fix)];
  const text = `${r.stdout}\n${r.stderr}`;
  const version = /version:\s*(\S+(?:\s+\([0-9a-f]+\))?)/.exec(text)?.[1];
  if (r.code !== 0 || !version) {
    return [problem(NAME, `${bin} --version failed (exit ${r.code}): ${text.trim().split('\n').at(-1) ?? ''}`, fix)];
  }
  const cuda = /cuda/i.test(text) ? ', CUDA build' : ', no CUDA mentioned (CPU-only build?)';
  return [ok(NAME, `${bin} version ${version}${cuda}`)];
};
