// Runs the real `gth` CLI as a child process (TypeScript sources through tsx), for end-to-end tests.
import { execa, type Options, type Result } from 'execa';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export const TSX_LOADER = join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs');
export const GTH_MAIN = join(repoRoot, 'src', 'cli', 'main.ts');
/** argv prefix that starts gth: [node, --import, tsx-loader, main.ts]. */
export const GTH_ARGV = [process.execPath, '--import', TSX_LOADER, GTH_MAIN];

export async function gth(args: string[], opts: Options = {}): Promise<Result> {
  return execa(process.execPath, ['--import', TSX_LOADER, GTH_MAIN, ...args], {
    reject: false,
    env: { GTH_LOG_LEVEL: 'silent', ...opts.env },
    ...opts,
  } as Options) as Promise<Result>;
}

export { repoRoot };
