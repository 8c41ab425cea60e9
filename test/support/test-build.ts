// Transpiles src/ (layout of dist/) and bundles the llama-server stand-in into .test-dist/, so tests start them on bare node.
import { build, type OutputFile } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One folder below the repository root like dist/, because src/ finds config/ and templates/ by `../..`. */
export const TEST_DIST = '.test-dist';
/** The bundled test/doubles/llama-server.ts; test/doubles/bin/llama-server runs it while it is newer than those sources. */
export const STANDIN_JS = join(TEST_DIST, 'test-doubles', 'llama-server.js');

const COMMON = { format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'silent' } as const;

/**
 * src/**\/*.ts one for one, not bundled (the sources import each other with `.js` extensions, so every import path
 * stays valid), plus the stand-in as one file (it imports only test/doubles and node:). Only files whose bytes changed
 * are rewritten, each by a rename, because another test run in the same tree may be starting them at that moment.
 * Returns the built CLI entry point.
 */
export async function buildForTests(root: string): Promise<{ main: string }> {
  const [cli, standin] = await Promise.all([
    build({ ...COMMON, absWorkingDir: root, entryPoints: ['src/**/*.ts'], outbase: 'src', outdir: join(root, TEST_DIST), sourcemap: 'linked' }),
    build({ ...COMMON, absWorkingDir: root, entryPoints: ['test/doubles/llama-server.ts'], bundle: true, outfile: join(root, STANDIN_JS) }),
  ]);
  for (const file of [...cli.outputFiles, ...standin.outputFiles]) writeIfChanged(file);
  return { main: join(root, TEST_DIST, 'cli', 'main.js') };
}

function writeIfChanged({ path, contents }: OutputFile): void {
  try {
    if (Buffer.from(contents).equals(readFileSync(path))) {
      // Same bytes: only the time, which says "as new as the sources" to the stand-in's launcher.
      const now = new Date();
      utimesSync(path, now, now);
      return;
    }
  } catch {
    // Not built yet: write it.
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}
