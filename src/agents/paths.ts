// Locates files shipped with the package (config/, templates/) from both src/ (tsx) and dist/ (built).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Package root: src/agents/paths.ts and dist/agents/paths.js both sit two folders below it. */
export function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, '..', '..');
}

export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
