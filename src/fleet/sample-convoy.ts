// A built-in sample convoy (AeroBeat rhythm-workout feature) that `gth plan` plans when no bead folder is given.
import { Bead, type BeadInput } from '../beads/schema.js';

const AT = '2026-01-29T09:00:00Z';
const CONVOY = 'ab-cv01';

type Draft = Omit<BeadInput, 'createdAt' | 'updatedAt' | 'convoy' | 'rig'>;

const blocks = (...ids: string[]): BeadInput['dependencies'] => ids.map((id) => ({ id, kind: 'blocks' as const }));

const DRAFTS: Draft[] = [
  {
    id: 'ab-t001', type: 'test', role: 'refinery', priority: 1,
    title: 'GUT tests for BeatClock, PunchTarget and ComboMeter',
    description: 'Write failing GUT tests that pin down the behaviour of the three new classes before the Polecats start.',
    acceptance: ['tests cover beat offsets within 20 ms', 'combo resets on a miss', 'tests run headless with gut_cmdln'],
    files: ['scripts/rhythm/beat_clock.gd', 'scripts/targets/punch_target.gd', 'scripts/ui/combo_meter.gd'],
  },
  {
    id: 'ab-p001', title: 'BeatClock: song-position clock synced to AudioStreamPlayer',
    description: 'Track song position from AudioServer.get_time_since_last_mix and output latency; emit beat(n) on each beat of the BPM map.',
    acceptance: ['tests in test/unit/test_beat_clock.gd pass'], files: ['scripts/rhythm/beat_clock.gd'], dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-p002', title: 'PunchTarget scene: spawn, approach and hit window',
    description: 'Area3D target that travels toward the player and reports early/perfect/late hits from the BeatClock.',
    acceptance: ['tests in test/unit/test_punch_target.gd pass'], files: ['scripts/targets/punch_target.gd'], dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-p003', title: 'ComboMeter UI: streak counter with multiplier',
    description: 'Control node showing streak and multiplier; resets on miss signal.',
    acceptance: ['tests in test/unit/test_combo_meter.gd pass'], files: ['scripts/ui/combo_meter.gd'], dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-p004', title: 'Calories estimate per session',
    description: 'Estimate calories from punch count and intensity with the MET table in data/met.json.',
    acceptance: ['unit tests for the estimate pass'], files: ['scripts/fitness/calories.gd'], dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-p005', title: 'Chart loader: parse .abchart beat maps with tempo changes',
    description: 'Parse the JSON chart format with tempo changes, stops and per-lane targets; validate and report line numbers on errors.',
    acceptance: ['loads every chart in charts/', 'rejects malformed charts with a clear error'],
    files: ['scripts/rhythm/chart_loader.gd', 'scripts/rhythm/beat_clock.gd'], tokenEstimate: 9500, dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-p006', title: 'Refactor input pipeline for controllers, webcam pose and keyboard',
    description: 'Unify the three input sources behind one InputRouter with per-source latency calibration; touches many files.',
    acceptance: ['all input tests pass', 'latency calibration persists in user://settings.cfg'],
    files: ['scripts/input/input_router.gd', 'scripts/input/pose_source.gd', 'scripts/input/pad_source.gd', 'scripts/input/key_source.gd'],
    tokenEstimate: 22000, dependencies: blocks('ab-t001'),
  },
  {
    id: 'ab-d001', type: 'docs', role: 'librarian', priority: 3, title: 'Doc comments and README section for the rhythm module',
    description: 'GDScript ## doc comments on every public method of BeatClock, PunchTarget and ComboMeter; README section on charts.',
    files: ['scripts/rhythm/beat_clock.gd', 'README.md'], dependencies: blocks('ab-p001', 'ab-p002', 'ab-p003'),
  },
  {
    id: 'ab-r001', type: 'chore', role: 'refinery', priority: 1, title: 'Review convoy PRs against coverage guidelines',
    description: 'Review the Polecat PRs of this convoy, check coverage and Godot 4 API use, request changes where needed.',
    dependencies: blocks('ab-p001', 'ab-p002', 'ab-p003', 'ab-p004', 'ab-p005', 'ab-p006'),
  },
];

/** Fresh Bead objects, validated by the bead schema (so the sample cannot drift from it). */
export function sampleConvoy(): Bead[] {
  return DRAFTS.map((d) => Bead.parse({ ...d, convoy: CONVOY, rig: 'aerobeat', createdAt: AT, updatedAt: AT }));
}
