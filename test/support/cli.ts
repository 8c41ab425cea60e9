// Runs the real `gth` CLI as a child process (the run's build of src/ on bare node, else tsx), for end-to-end tests.
import { execa, type Options, type Result } from 'execa';
import { inject } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export const TSX_LOADER = join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs');
/** The TypeScript entry point, for tests that need tsx's view of the sources (e.g. module traces naming src/ files). */
export const GTH_MAIN = join(repoRoot, 'src', 'cli', 'main.ts');
const built = inject('gthBuiltMain');
/**
 * argv prefix that starts gth: [node, .test-dist/cli/main.js], built once per run by test/global-setup.ts, because
 * tsx costs each start a fraction of a second of loader work; [node, --import, tsx-loader, main.ts] where that build
 * failed (the setup says so loudly) or no global setup ran.
 */
export const GTH_ARGV: string[] = built ? [process.execPath, built] : [process.execPath, '--import', TSX_LOADER, GTH_MAIN];

export async function gth(args: string[], opts: Options = {}): Promise<Result> {
  const [node, ...rest] = GTH_ARGV;
  return execa(node!, [...rest, ...args], {
    reject: false,
    env: { GTH_LOG_LEVEL: 'silent', ...opts.env },
    ...opts,
  } as Options) as Promise<Result>;
}

export { repoRoot };
