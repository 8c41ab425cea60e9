// `gth runtime up|status|down` as real child processes: detached and foreground up, down from a second process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GTH_ARGV, gth } from '../../support/cli.js';
import { readServerStates, readSupervisorState } from '../../../src/runtime/state-store.js';
import { alive, makeModel, plan, sandbox, STANDIN, until } from './harness.js';

function setup(): { box: ReturnType<typeof sandbox>; env: NodeJS.ProcessEnv; planFile: string } {
  const box = sandbox();
  makeModel(box.modelsDir, 'a.gguf');
  makeModel(box.modelsDir, 'b.gguf');
  const planFile = join(box.dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify({
    servers: [plan('a', { vramMiB: 2000 }), plan('b', { vramMiB: 1500, importance: 2 })],
    waves: [{ index: 0, servers: ['a', 'b'], assignments: [], estSeconds: 1 }, { index: 1, servers: ['b'], assignments: [], estSeconds: 1 }],
    headroom: { vramMiB: 0, ramMiB: 0, cores: 0 }, estWallSeconds: 2, warnings: [],
  }));
  const config = join(box.dir, 'gastown.yml');
  writeFileSync(config, `runtime:\n  binary: ${STANDIN}\n  healthIntervalMs: 500\n  stopGraceMs: 3000\n  endpoint:\n    port: 0\nhardware:\n  modelsDir: ${box.modelsDir}\n`);
  return { box, planFile, env: { ...box.env, GTH_CONFIG: config, GTH_STATE_DIR: box.stateDir } };
}

describe('gth runtime', { timeout: 180_000 }, () => {
  it('up --detach returns when ready; status shows it; down from another process stops everything', async () => {
    const { box, env, planFile } = setup();
    const up = await gth(['runtime', 'up', '--plan', planFile, '--detach', '--json'], { env, cwd: box.dir });
    expect(up.stderr).toBe('');
    expect(up.exitCode).toBe(0);
    const upJson = JSON.parse(String(up.stdout)) as { servers: { id: string; status: string; health: string; pid: number }[]; supervisor: { pid: number } };
    expect(upJson.servers.map((s) => [s.id, s.status, s.health])).toEqual([['a', 'ready', 'ok'], ['b', 'ready', 'ok']]);
    expect(String(up.stdout)).not.toContain('apiKey');
    const supPid = upJson.supervisor.pid;
    expect(alive(supPid)).toBe(true);

    const status = await gth(['runtime', 'status'], { env, cwd: box.dir });
    expect(status.exitCode).toBe(0);
    expect(String(status.stdout)).toMatch(/^a\s+model-a\s+gpu\s+ready\s+ok/m);

    const again = await gth(['runtime', 'up', '--plan', planFile], { env, cwd: box.dir });
    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toContain(`the runtime is already up (supervisor pid ${supPid})`);

    const down = await gth(['runtime', 'down'], { env, cwd: box.dir });
    expect(down.exitCode).toBe(0);
    expect(String(down.stdout).trim()).toBe('stopped: a, b');
    for (const s of upJson.servers) expect(alive(s.pid)).toBe(false);
    expect(alive(supPid)).toBe(false);
    expect(readServerStates(box.stateDir)).toEqual([]);
    expect(readSupervisorState(box.stateDir)).toBeUndefined();
  });

  it('foreground up supervises until `down` from a second process; --wave picks servers', async () => {
    const { box, env, planFile } = setup();
    const [node, ...rest] = GTH_ARGV;
    // nvidia-smi polled every 100 ms and slow to answer: `down`'s SIGTERM lands while a call is in flight.
    writeFileSync(env.GTH_CONFIG!, readFileSync(env.GTH_CONFIG!, 'utf8').replace('runtime:\n', 'runtime:\n  vram:\n    pollMs: 100\n'));
    const fgEnv = { ...env, FAKE_NVIDIA_SMI_DELAY_MS: '400' };
    const fg = execa(node!, [...rest, 'runtime', 'up', '--plan', planFile, '--wave', '1'], { env: fgEnv, cwd: box.dir, reject: false });
    await until(() => readServerStates(box.stateDir).some((s) => s.status === 'ready'), 30_000, 'server b ready');
    const [b] = readServerStates(box.stateDir);
    expect(b?.id).toBe('b');
    const down = await gth(['runtime', 'down', '--json'], { env, cwd: box.dir });
    expect(JSON.parse(String(down.stdout))).toEqual({ supervisorPid: fg.pid, stopped: ['b'] });
    const r = await fg;
    expect([r.exitCode, r.signal, String(r.stderr).slice(-500)]).toEqual([0, undefined, ""]);
    expect(String(r.stdout)).toContain('supervising; Ctrl-C or `gth runtime down` stops the servers');
    expect(alive(b!.pid)).toBe(false);
  });

  it('exits 1 naming the missing model and leaves nothing running; bad flags exit 2', async () => {
    const { box, env, planFile } = setup();
    const p = JSON.parse(readFileSync(planFile, 'utf8')) as { servers: { modelFile: string }[] };
    p.servers[1]!.modelFile = 'missing.gguf';
    writeFileSync(planFile, JSON.stringify(p));
    const up = await gth(['runtime', 'up', '--plan', planFile], { env, cwd: box.dir });
    expect(up.exitCode).toBe(1);
    expect(String(up.stderr)).toContain(`model file for server b not found: ${join(box.modelsDir, 'missing.gguf')}`);
    expect(readServerStates(box.stateDir)).toEqual([]);
    expect(readSupervisorState(box.stateDir)).toBeUndefined();

    const wave = await gth(['runtime', 'up', '--plan', planFile, '--wave', '7'], { env, cwd: box.dir });
    expect(wave.exitCode).toBe(2);
    expect(String(wave.stderr)).toContain('--wave 7: the plan has waves 0, 1');
    const bad = await gth(['runtime', 'up', '--plan', join(box.dir, 'nope.json')], { env, cwd: box.dir });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toContain(`--plan: file not found: ${join(box.dir, 'nope.json')}`);
    const down = await gth(['runtime', 'down'], { env, cwd: box.dir });
    expect(String(down.stdout).trim()).toBe('nothing was running');
  });

  it('down stops servers whose supervisor was killed outright', async () => {
    const { box, env, planFile } = setup();
    const up = await gth(['runtime', 'up', '--plan', planFile, '--server', 'b', '--detach', '--json'], { env, cwd: box.dir });
    expect(up.exitCode).toBe(0);
    const st = JSON.parse(String(up.stdout)) as { servers: { id: string; pid: number }[]; supervisor: { pid: number } };
    expect(st.servers.map((s) => s.id)).toEqual(['b']);
    process.kill(st.supervisor.pid, 'SIGKILL');
    await until(() => !alive(st.supervisor.pid), 5000, 'supervisor gone');
    expect(alive(st.servers[0]!.pid)).toBe(true); // servers run in their own process group
    const status = await gth(['runtime', 'status', '--json'], { env, cwd: box.dir });
    expect(JSON.parse(String(status.stdout))).toMatchObject({ supervisor: { alive: false }, servers: [{ id: 'b', alive: true, health: 'ok' }] });
    const down = await gth(['runtime', 'down'], { env, cwd: box.dir });
    expect(String(down.stdout).trim()).toBe('stopped: b');
    expect(alive(st.servers[0]!.pid)).toBe(false);
  });

  it('swap --wave moves a running supervisor to the next wave, keeping servers that stay', async () => {
    const { box, env, planFile } = setup();
    const up = await gth(['runtime', 'up', '--plan', planFile, '--detach', '--json'], { env, cwd: box.dir });
    expect(up.exitCode).toBe(0);
    const before = JSON.parse(String(up.stdout)) as { servers: { id: string; pid: number }[] };
    const swap = await gth(['runtime', 'swap', '--plan', planFile, '--wave', '1', '--json'], { env, cwd: box.dir });
    expect(swap.exitCode).toBe(0);
    const after = JSON.parse(String(swap.stdout)) as { servers: { id: string; pid: number; health: string }[] };
    expect(after.servers.map((s) => [s.id, s.health])).toEqual([['b', 'ok']]);
    expect(after.servers[0]!.pid).toBe(before.servers.find((s) => s.id === 'b')!.pid);
    expect(alive(before.servers.find((s) => s.id === 'a')!.pid)).toBe(false);
    const noWave = await gth(['runtime', 'swap', '--plan', planFile], { env, cwd: box.dir });
    expect(noWave.exitCode).toBe(2);
    await gth(['runtime', 'down'], { env, cwd: box.dir });
    const late = await gth(['runtime', 'swap', '--plan', planFile, '--wave', '0'], { env, cwd: box.dir });
    expect(late.exitCode).toBe(1);
    expect(String(late.stderr)).toContain('the runtime is not up');
  });
});
