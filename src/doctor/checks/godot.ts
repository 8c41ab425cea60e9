// Doctor check: a Godot 4 binary for running GDScript tests (GODOT_BIN, else godot4 or godot on PATH).
import { ok, problem, type Check } from '../types.js';

const NAME = 'godot';

export const checkGodot: Check = async ({ run, env }) => {
  const candidates = env.GODOT_BIN ? [env.GODOT_BIN] : ['godot4', 'godot'];
  const fix = 'install Godot 4 (https://godotengine.org/download/linux/), e.g. unzip to /opt/godot and set GODOT_BIN=/opt/godot/Godot_v4.x-stable_linux.x86_64';
  for (const bin of candidates) {
    const r = await run(bin, ['--version', '--headless']);
    if (!r.found) continue;
    const v = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.code !== 0) return [problem(NAME, `${bin} --version failed (exit ${r.code})`, fix)];
    if (!/^4\./.test(v)) return [problem(NAME, `${bin} is Godot "${v}", Godot 4 is needed`, fix)];
    return [ok(NAME, `${bin} ${v}`)];
  }
  return [problem(NAME, `none of ${candidates.join(', ')} found`, fix)];
};
