// One engine or runner-job test file's sandbox: a temp root, the Godot shim, nock kept to 127.0.0.1, stand-in servers closed at the end.
import { afterAll, afterEach, beforeAll } from 'vitest';
import nock from 'nock';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeLlama, type FakeLlama, type FakeLlamaOptions } from '../doubles/fake-llama.js';
import { makeGodotShim } from '../unit/agents/helpers/godot-shim.js';

export interface EngineSandbox {
  /** The file's temp folder (set in beforeAll). */
  root: string;
  /** PATH folder with the GUT stand-in as `godot`. */
  shim: string;
  /** Stand-in servers closed after the file's tests (after each test with `eachTest`). */
  servers: FakeLlama[];
  /** Starts a stand-in llama-server that is closed after the file's tests (after each test with `eachTest`). */
  serve: (...a: Parameters<typeof startFakeLlama>) => Promise<FakeLlama>;
  /** With `llama`: the file's one stand-in llama-server (the runner's model), started in beforeAll. */
  llama: FakeLlama;
}

export interface SandboxOptions {
  /** Each test starts clean: its stand-in servers are closed and its nock interceptors dropped when it ends. */
  eachTest?: boolean;
  /** Starts one stand-in llama-server with these options for the whole file (`box.llama`). */
  llama?: FakeLlamaOptions;
}

/** Registers the file's beforeAll/afterAll (and afterEach with `eachTest`) and returns the sandbox they fill. */
export function engineSandbox(prefix: string, opts: SandboxOptions = {}): EngineSandbox {
  const box: EngineSandbox = {
    root: '',
    shim: '',
    servers: [],
    llama: undefined as unknown as FakeLlama,
    serve: async (...a) => {
      const s = await startFakeLlama(...a);
      box.servers.push(s);
      return s;
    },
  };
  beforeAll(async () => {
    box.root = await mkdtemp(join(tmpdir(), prefix));
    box.shim = makeGodotShim();
    // Not in `servers`: it lives for the whole file, even with `eachTest`.
    if (opts.llama) box.llama = await startFakeLlama(opts.llama);
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  const closeServers = (): Promise<unknown> => Promise.all(box.servers.splice(0).map((s) => s.close()));
  if (opts.eachTest) {
    afterEach(async () => {
      nock.cleanAll();
      await closeServers();
    });
  }
  afterAll(async () => {
    await Promise.all([closeServers(), box.llama?.close()]);
    nock.enableNetConnect();
    await rm(box.root, { recursive: true, force: true });
  });
  return box;
}
