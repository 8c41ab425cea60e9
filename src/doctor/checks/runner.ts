// Doctor check: the GitHub Actions runner is installed as a systemd service and running.
import { ok, problem, type Check } from '../types.js';

const NAME = 'actions runner';

export const checkRunnerService: Check = async ({ run }) => {
  const r = await run('systemctl', ['list-units', '--type=service', '--all', '--no-legend', '--plain', 'actions.runner.*']);
  const install = 'register it: see runner-setup/README.md, "Register the runner" (config.sh, then sudo ./svc.sh install && sudo ./svc.sh start)';
  if (!r.found) return [problem(NAME, 'systemctl not found (not a systemd machine?)', install)];
  const units = r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0]?.startsWith('actions.runner.'));
  if (units.length === 0) return [problem(NAME, 'no actions.runner.* service installed', install)];
  return units.map(([unit, , active, sub]) =>
    active === 'active' && sub === 'running'
      ? ok(NAME, `${unit} running`)
      : problem(NAME, `${unit} is ${active}/${sub}`, `sudo systemctl start ${unit}; journalctl -u ${unit} shows why it stopped`),
  );
};
