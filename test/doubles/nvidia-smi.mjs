// Stand-in nvidia-smi: answers the queries the runtime uses from a JSON file ($FAKE_NVIDIA_SMI_STATE) a test rewrites.
// Plain JavaScript (no tsx) because the runtime polls it often and Node starts it fastest this way.
// State file: {"gpus":[{"name","uuid","memoryUsedMiB","memoryTotalMiB","powerDrawW","utilizationPct"}],
//              "apps":[{"pid","usedMemoryMiB","name"}], "fail": "optional message: exit 9 like a missing driver"}
// An app with "processName" instead of "pid" stands for every running process of that name (read from /proc),
// so a test can give a real llama-server it did not start by pid a VRAM figure.
import { readdirSync, readFileSync } from 'node:fs';

const DRIVER_FAIL =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
const args = process.argv.slice(2);
const flag = (name) => {
  const hit = args.find((a) => a.startsWith(`${name}=`));
  return hit ? hit.slice(name.length + 1) : undefined;
};

function loadState() {
  const file = process.env.FAKE_NVIDIA_SMI_STATE;
  if (!file) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// FAKE_NVIDIA_SMI_DELAY_MS: answer slowly, like a busy driver (keeps calls in flight for signal-race tests).
const delay = Number(process.env.FAKE_NVIDIA_SMI_DELAY_MS ?? 0);
if (delay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);

const state = loadState();
if (!state || state.fail) {
  process.stdout.write(`${state?.fail ?? DRIVER_FAIL}\n`);
  process.exit(9);
}
const gpus = state.gpus ?? [];

const units = { 'memory.used': 'MiB', 'memory.total': 'MiB', 'memory.free': 'MiB', 'power.draw': 'W', 'utilization.gpu': '%', used_memory: 'MiB' };
const gpuField = (g, i, f) => {
  switch (f) {
    case 'index': return i;
    case 'name': return g.name ?? 'NVIDIA GeForce RTX 3080';
    case 'uuid': return g.uuid ?? `GPU-0000000${i}-stand-in`;
    case 'memory.used': return g.memoryUsedMiB ?? 0;
    case 'memory.total': return g.memoryTotalMiB ?? 10240;
    case 'memory.free': return (g.memoryTotalMiB ?? 10240) - (g.memoryUsedMiB ?? 0);
    case 'power.draw': return (g.powerDrawW ?? 30).toFixed(2);
    case 'utilization.gpu': return g.utilizationPct ?? 0;
    case 'driver_version': return state.driverVersion ?? '550.54.14';
    default: return '[N/A]';
  }
};
const appField = (a, f) => {
  switch (f) {
    case 'pid': return a.pid;
    case 'used_memory': return a.usedMemoryMiB ?? 0;
    case 'process_name': case 'name': return a.name ?? 'llama-server';
    case 'gpu_uuid': return gpus[0]?.uuid ?? 'GPU-00000000-stand-in';
    default: return '[N/A]';
  }
};

function printCsv(fields, rows) {
  const format = flag('--format') ?? '';
  const noUnits = format.includes('nounits');
  if (!format.includes('noheader')) {
    process.stdout.write(`${fields.map((f) => (units[f] && !noUnits ? `${f} [${units[f]}]` : f)).join(', ')}\n`);
  }
  for (const row of rows) {
    process.stdout.write(`${row.map((v, i) => (units[fields[i]] && !noUnits ? `${v} ${units[fields[i]]}` : String(v))).join(', ')}\n`);
  }
}

if (args.includes('--version')) {
  const v = state.driverVersion ?? '550.54.14';
  process.stdout.write(`NVIDIA-SMI version  : ${v}\nNVML version        : ${v.split('.').slice(0, 2).join('.')}\nDRIVER version      : ${v}\nCUDA Version        : 12.4\n`);
} else if (args.includes('-L') || args.includes('--list-gpus')) {
  gpus.forEach((g, i) => process.stdout.write(`GPU ${i}: ${gpuField(g, i, 'name')} (UUID: ${gpuField(g, i, 'uuid')})\n`));
} else if (flag('--query-gpu')) {
  const fields = flag('--query-gpu').split(',');
  printCsv(fields, gpus.map((g, i) => fields.map((f) => gpuField(g, i, f))));
} else if (flag('--query-compute-apps')) {
  const fields = flag('--query-compute-apps').split(',');
  const byName = (name) =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name;
        } catch {
          return false;
        }
      })
      .map(Number);
  const apps = (state.apps ?? []).flatMap((a) => (a.pid === undefined && a.processName ? byName(a.processName).map((pid) => ({ ...a, pid, name: a.processName })) : [a]));
  printCsv(fields, apps.map((a) => fields.map((f) => appField(a, f))));
} else {
  process.stdout.write(`stand-in nvidia-smi: ${gpus.length} GPU(s); supported: --query-gpu, --query-compute-apps, -L, --version\n`);
}
