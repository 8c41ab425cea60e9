// Stand-in llama-server program: real flags in, real endpoints out, failure modes set by FAKE_LLAMA_* env vars.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseLlamaArgs } from './llama-args.js';
import { createLlamaHandler, type FakeScript } from './llama-handler.js';

const env = process.env;
const args = parseLlamaArgs(process.argv.slice(2));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

log(`build: 0000 (standin) with node ${process.version} for ${process.platform}`);
log(`system info: n_threads = ${args.threads}, total_threads = ${args.threads}`);

let script: FakeScript | undefined;
if (env.FAKE_LLAMA_SCRIPT) {
  try {
    script = JSON.parse(readFileSync(env.FAKE_LLAMA_SCRIPT, 'utf8')) as FakeScript;
  } catch (err) {
    log(`standin: cannot read FAKE_LLAMA_SCRIPT ${env.FAKE_LLAMA_SCRIPT}: ${(err as Error).message}`);
    process.exit(1);
  }
}

const modelPath = args.model ?? 'models/7B/ggml-model-f16.gguf';
const handler = createLlamaHandler({
  script,
  loadMs: num(env.FAKE_LLAMA_LOAD_MS) ?? 0,
  crashAfter: num(env.FAKE_LLAMA_CRASH_AFTER),
  hang: env.FAKE_LLAMA_HANG === '1',
  garbage: env.FAKE_LLAMA_GARBAGE === '1',
  slowMs: num(env.FAKE_LLAMA_SLOW_MS),
  genTps: num(env.FAKE_LLAMA_GEN_TPS),
  promptTps: num(env.FAKE_LLAMA_PROMPT_TPS),
  requestLog: env.FAKE_LLAMA_REQUEST_LOG,
  apiKey: args.apiKey,
  model: args.alias ?? modelPath,
  parallel: args.parallel,
  ctxSize: args.ctxSize,
  metrics: args.metrics,
  log,
  onCrash: () => {
    log('GGML_ASSERT failed: simulated crash');
    process.exit(1);
  },
});

const server = createServer((req, res) => handler.handle(req, res));
server.on('error', (err: NodeJS.ErrnoException) => {
  log(`srv         start: couldn't bind HTTP server socket, hostname: ${args.host}, port: ${args.port}`);
  log('srv          main: exiting due to HTTP server error');
  log(`standin: ${err.code ?? err.message}`);
  process.exit(1);
});

server.listen(args.port, args.host, () => {
  // The real server binds first so /health can answer 503 while the model loads.
  log(`main: HTTP server is listening, hostname: ${args.host}, port: ${args.port}, http threads: ${args.parallel + 2}`);
  log(`srv    load_model: loading model '${modelPath}'`);
  if (!existsSync(modelPath)) {
    log(`gguf_init_from_file: failed to open GGUF file '${modelPath}' (No such file or directory)`);
    log(`llama_model_load: error loading model: llama_model_loader: failed to load model from ${modelPath}`);
    log('llama_model_load_from_file_impl: failed to load model');
    log(`srv    load_model: failed to load model, '${modelPath}'`);
    log('srv          main: exiting due to model loading error');
    process.exit(1);
  }
  log(`llama_context: n_ctx = ${args.ctxSize}, n_seq_max = ${args.parallel}`);
  const announce = (): void => {
    log('srv          main: model loaded');
    log(`srv          main: listening on http://${args.host}:${args.port}`);
    log('srv  update_slots: all slots are idle');
  };
  if (handler.isReady()) announce();
  else {
    const t = setInterval(() => {
      if (handler.isReady()) {
        clearInterval(t);
        announce();
      }
    }, 20);
  }
});

const shutdown = (): void => {
  if (env.FAKE_LLAMA_IGNORE_SIGTERM === '1') {
    log('standin: ignoring SIGTERM (FAKE_LLAMA_IGNORE_SIGTERM)');
    return;
  }
  log('srv    operator(): operator(): cleaning up before exit...');
  handler.dispose();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
