// Doctor check: the NVIDIA driver answers through nvidia-smi, and which GPU and how much VRAM it reports.
import { ok, problem, type Check } from '../types.js';

const NAME = 'nvidia driver';

export const checkNvidia: Check = async ({ run }) => {
  const r = await run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits']);
  if (!r.found) {
    return [problem(NAME, 'nvidia-smi not found on PATH', 'install the driver: sudo ubuntu-drivers install (or sudo apt install nvidia-driver-550), then reboot')];
  }
  if (r.code !== 0) {
    const why = (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
    return [problem(NAME, `nvidia-smi failed (exit ${r.code}): ${why}`, 'the driver is not loaded: reboot; if it persists reinstall it (sudo ubuntu-drivers install) and check Secure Boot/MOK enrolment')];
  }
  const rows = r.stdout.trim().split('\n').filter(Boolean);
  if (rows.length === 0) return [problem(NAME, 'nvidia-smi lists no GPU', 'check the card is seated and powered; run nvidia-smi -L')];
  return rows.map((row, i) => {
    const [name, driver, mem] = row.split(',').map((s) => s.trim());
    return ok(rows.length > 1 ? `${NAME} (gpu ${i})` : NAME, `${name}, driver ${driver}, ${mem} MiB VRAM`);
  });
};
