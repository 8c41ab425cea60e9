// runner-setup/: shell syntax (bash -n, shellcheck when installed), systemd units, install-services.sh into a temp
// unit dir, and download-models.sh as a real process against a local stand-in of Hugging Face on 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_INPUT } from '../../../src/fleet/default-catalog.js';
import { repoRoot } from '../../support/cli.js';

const dir = join(repoRoot, 'runner-setup');
const scripts = (await readdir(dir)).filter((f) => f.endsWith('.sh'));
const hasShellcheck = (await execa('shellcheck', ['--version'], { reject: false })).exitCode === 0;

describe('runner-setup scripts', () => {
  it('include the scripts the README tells people to run', () => {
    expect(scripts).toEqual(expect.arrayContaining(['download-models.sh', 'install-runner.sh', 'install-services.sh']));
  });

  it.each(scripts)('%s passes bash -n', async (f) => {
    const r = await execa('bash', ['-n', join(dir, f)], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it.skipIf(!hasShellcheck).each(scripts)('%s passes shellcheck', async (f) => {
    const r = await execa('shellcheck', [join(dir, f)], { reject: false });
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('install-runner.sh names every missing argument and rejects unknown labels before touching anything', async () => {
    const none = await execa('bash', [join(dir, 'install-runner.sh')], { reject: false });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('missing --url --token --labels');
    const bad = await execa('bash', [join(dir, 'install-runner.sh'), '--url', 'https://github.com/o/r', '--token', 't', '--labels', 'gpu,tpu'], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("got 'tpu'");
  });
});

describe('systemd units', () => {
  it('install-services.sh fills in user, repo and node for every unit (smee only with --dev)', async () => {
    const units = await mkdtemp(join(tmpdir(), 'gth-units-'));
    const fakeRepo = await mkdtemp(join(tmpdir(), 'gth-repo-'));
    try {
      await mkdir(join(fakeRepo, 'dist', 'cli'), { recursive: true });
      await writeFile(join(fakeRepo, 'dist', 'cli', 'main.js'), '');
      const env = { ...process.env, SYSTEMD_UNIT_DIR: units };
      const r = await execa('bash', [join(dir, 'install-services.sh'), '--user', 'studio', '--repo', fakeRepo, '--dev'], { env, reject: false });
      expect(r.stderr).toBe('');
      expect((await readdir(units)).sort()).toEqual(['gth-app.service', 'gth-runtime.service', 'gth-smee.service']);
      for (const u of await readdir(units)) {
        const text = await readFile(join(units, u), 'utf8');
        expect(text).not.toMatch(/@[A-Z]+@/);
        const sections = [...text.matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
        expect(sections).toEqual(['Unit', 'Service', 'Install']);
        expect(text).toContain('User=studio');
        expect(text).toMatch(/^ExecStart=\S+/m);
      }
      const app = await readFile(join(units, 'gth-app.service'), 'utf8');
      expect(app).toContain(`ExecStart=${process.execPath} ${fakeRepo}/dist/cli/main.js serve`);
      expect(app).toContain('EnvironmentFile=/etc/gastown-hybrid/app.env');
      const noRepo = await execa('bash', [join(dir, 'install-services.sh'), '--user', 'studio', '--repo', units], { env, reject: false });
      expect(noRepo.exitCode).toBe(1);
      expect(noRepo.stderr).toContain('npm ci && npm run build');
    } finally {
      await rm(units, { recursive: true, force: true });
      await rm(fakeRepo, { recursive: true, force: true });
    }
  });
});

describe('download-models.sh', () => {
  const entries = DEFAULT_CATALOG_INPUT.slice(0, 3).map((e) => ({ name: e.name, file: e.file }));
  const content = (file: string): string => `GGUF bytes of ${file}\n`.repeat(1000);
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  let server: Server;
  let hf: string;
  let work: string;
  const requests: string[] = [];
  /** The published oid per file; a test makes one lie to simulate a corrupt or swapped download. */
  const oids = new Map<string, string>();

  beforeAll(async () => {
    for (const e of entries) oids.set(e.file, sha(content(e.file)));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const tree = /^\/api\/models\/test\/([\w.-]+)\/tree\/main$/.exec(req.url ?? '');
      if (tree) {
        const e = entries.find((x) => `${x.name}-GGUF` === tree[1]);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(e ? [{ type: 'file', path: e.file, lfs: { oid: oids.get(e.file), size: content(e.file).length } }] : []));
        return;
      }
      const file = /^\/test\/[\w.-]+\/resolve\/main\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
      if (file && entries.some((e) => e.file === file)) {
        res.end(content(file));
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    hf = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    work = await mkdtemp(join(tmpdir(), 'gth-models-'));
    // A catalog in the real format whose `source` names the stand-in repositories.
    const catalog = DEFAULT_CATALOG_INPUT.slice(0, 3).map((e) => ({
      ...e,
      source: `config.json from upstream; test/${String(e.name)}-GGUF (1 GB)`,
    }));
    await writeFile(join(work, 'catalog.yml'), yaml.dump({ catalog }));
  });

  afterAll(async () => {
    server.close();
    await rm(work, { recursive: true, force: true });
  });

  const run = (args: string[], extra: Record<string, string> = {}) =>
    execa('bash', [join(dir, 'download-models.sh'), '--catalog', join(work, 'catalog.yml'), '--models-dir', join(work, 'models'), ...args], {
      env: { ...process.env, HF_ENDPOINT: hf, GTH_MODEL_PINS: join(work, 'pins.sha256'), ...extra },
      reject: false,
    });

  it('downloads, verifies against the published sha256 and records SHA256SUMS; a second run downloads nothing', async () => {
    const [a, b] = entries;
    const r = await run([a!.name, b!.name]);
    expect(r.stderr).not.toContain('mismatch');
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(work, 'models', a!.file), 'utf8')).toBe(content(a!.file));
    const sums = (await readFile(join(work, 'models', 'SHA256SUMS'), 'utf8')).trim().split('\n').sort();
    expect(sums).toEqual([`${sha(content(a!.file))}  ${a!.file}`, `${sha(content(b!.file))}  ${b!.file}`].sort());
    const downloadsBefore = requests.filter((u) => u.includes('/resolve/')).length;
    const again = await run([a!.name, b!.name]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already present');
    expect(requests.filter((u) => u.includes('/resolve/')).length).toBe(downloadsBefore);
  });

  it('deletes a download whose sha256 does not match, keeps it out of SHA256SUMS and exits 1', async () => {
    const c = entries[2]!;
    oids.set(c.file, 'f'.repeat(64));
    try {
      const r = await run([c.name]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`sha256 mismatch for ${c.file}`);
      expect(existsSync(join(work, 'models', c.file))).toBe(false);
      expect(existsSync(join(work, 'models', `${c.file}.part`))).toBe(false);
      expect(await readFile(join(work, 'models', 'SHA256SUMS'), 'utf8')).not.toContain(c.file);
    } finally {
      oids.set(c.file, sha(content(c.file)));
    }
  });

  it('a pinned sha256 wins over the published one', async () => {
    const c = entries[2]!;
    await writeFile(join(work, 'pins.sha256'), `${'0'.repeat(64)}  ${c.file}\n`);
    try {
      const r = await run([c.name]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`expected ${'0'.repeat(64)}`);
    } finally {
      await rm(join(work, 'pins.sha256'));
    }
  });

  it('refuses names that are not in the catalog', async () => {
    const r = await run(['Llama-4-8B']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not in');
  });
});
