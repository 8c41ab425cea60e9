// Doctor check: every catalog model's GGUF file is in the models dir with the sha256 that download-models.sh recorded.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { loadRawConfig } from '../../config/load.js';
import { loadFleetConfig } from '../../fleet/config.js';
import { errorMessage } from '../../util/errors.js';
import { ok, problem, type Check, type CheckResult } from '../types.js';

/** Written by runner-setup/download-models.sh in sha256sum format after each verified download. */
export const SUMS_FILE = 'SHA256SUMS';
/** Hashes already computed, keyed by size and mtime, so a second `gth doctor` does not re-read 60 GB. */
const CACHE_FILE = '.gth-sha256-cache.json';

type Cache = Record<string, { size: number; mtimeMs: number; sha256: string }>;

export function parseSums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/i.exec(line.trim());
    if (m) out.set(m[2]!, m[1]!.toLowerCase());
  }
  return out;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const checkModels: Check = async ({ env, cwd, progress }) => {
  let catalog;
  let modelsDir: string;
  try {
    const fleet = loadFleetConfig(loadRawConfig(undefined, env, cwd), cwd);
    catalog = fleet.catalog;
    modelsDir = isAbsolute(fleet.hardware.modelsDir) ? fleet.hardware.modelsDir : resolve(cwd, fleet.hardware.modelsDir);
  } catch (err) {
    return [problem('models', `cannot read the catalog: ${errorMessage(err)}`, 'fix gastown.yml / config/catalog.yml as the error says')];
  }
  const sums = parseSums(await readFile(join(modelsDir, SUMS_FILE), 'utf8').catch(() => ''));
  let cache: Cache = {};
  try {
    cache = JSON.parse(await readFile(join(modelsDir, CACHE_FILE), 'utf8')) as Cache;
  } catch {
    cache = {};
  }
  let cacheChanged = false;
  const out: CheckResult[] = [];
  const download = (name: string): string => `runner-setup/download-models.sh ${name}`;
  for (const m of catalog) {
    const check = `model ${m.name}`;
    const path = join(modelsDir, m.file);
    const st = await stat(path).catch(() => null);
    if (!st) {
      out.push(problem(check, `${m.file} missing in ${modelsDir}`, download(m.name)));
      continue;
    }
    const expected = sums.get(m.file);
    if (!expected) {
      out.push(problem(check, `${m.file} present but no sha256 recorded in ${join(modelsDir, SUMS_FILE)}`, `${download(m.name)} (verifies the file and records its sha256)`));
      continue;
    }
    const cached = cache[m.file];
    let actual: string;
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
      actual = cached.sha256;
    } else {
      progress(`hashing ${m.file} (${(st.size / 2 ** 30).toFixed(1)} GiB)...`);
      actual = await sha256(path);
      cache[m.file] = { size: st.size, mtimeMs: st.mtimeMs, sha256: actual };
      cacheChanged = true;
    }
    out.push(
      actual === expected
        ? ok(check, `${m.file} sha256 ok`)
        : problem(check, `${m.file} sha256 ${actual.slice(0, 12)}… does not match the recorded ${expected.slice(0, 12)}…`, `delete ${path} and run ${download(m.name)}`),
    );
  }
  if (cacheChanged) {
    const tmp = join(modelsDir, `${CACHE_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(cache, null, 2));
    await rename(tmp, join(modelsDir, CACHE_FILE));
  }
  return out;
};
