// `gth calibrate`: measures llama-server's buffers (and decode speed) against the planner's estimate; saves a calibration file.
import type { Command } from 'commander';
import { runCalibrate } from '../../fleet/calibrate-run.js';
import { renderCalibration } from '../../fleet/render-calibration.js';
import { UsageError } from '../../util/errors.js';
import { printJson } from '../output.js';

interface CalibrateFlags {
  models?: string;
  layers?: string;
  ctx?: string;
  slots?: string;
  speed?: boolean;
  quant?: string;
  config?: string;
  save?: boolean;
  json?: boolean;
}

/** "1024,4096" -> [1024, 4096]; names the flag and the value on anything else. */
export function intList(flag: string, value: string, min: number): number[] {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  const out = parts.map(Number);
  if (!parts.length || out.some((n) => !Number.isInteger(n) || n < min)) {
    throw new UsageError(`${flag}: expected comma-separated whole numbers of at least ${min}, got '${value}'`);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description("serve synthetic GGUFs with the planner's flags; compare logged buffers with the estimate and save a calibration file")
    .option('--models <a,b>', 'catalog models to calibrate (default: all)')
    .option('--layers <n>', 'write synthetic models with only n layers (every per-layer shape kept); without it, real GGUFs in modelsDir are used when present')
    .option('--ctx <n,...>', 'context per slot to try', '1024,4096')
    .option('--slots <n,...>', 'slot counts (--parallel) to try', '1,4')
    .option('--quant <type>', 'llama-quantize type for synthetic models (Q8_0: served as written, no llama-quantize; k-quants take longest to make)', 'Q4_K_M')
    .option('--speed', 'also measure decode and prompt tokens/s once per model; a whole model\'s figures are "measured" in gth plan, a cut-down one (--layers) sets the decode efficiency')
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--no-save', 'do not write the calibration file to the state folder')
    .option('--json', 'print the calibration as JSON on stdout')
    .action(async (flags: CalibrateFlags) => {
      const layers = flags.layers === undefined ? undefined : intList('--layers', flags.layers, 1)[0];
      const result = await runCalibrate({
        models: flags.models?.split(',').map((m) => m.trim()).filter(Boolean),
        layers,
        ctx: intList('--ctx', flags.ctx ?? '1024,4096', 256),
        slots: intList('--slots', flags.slots ?? '1,4', 1),
        speed: flags.speed === true,
        quant: flags.quant,
        configFile: flags.config,
        save: flags.save !== false,
      });
      if (flags.json) {
        printJson({ ...result.calibration, file: result.file });
        return;
      }
      process.stdout.write(`${renderCalibration(result.calibration, result.file)}\n`);
    });
}
