class_name WorkoutPlan
extends RefCounted
## Builds workout sessions from the exercise table and estimates their calories.

## Every exercise the game knows: calories per minute at a steady pace and intensity 1 (easy) to 5 (max).
const EXERCISES := [
	{"name": "burpee_000", "kcal_per_min": 9.2, "intensity": 4},
	{"name": "squat_001", "kcal_per_min": 7.4, "intensity": 1},
	{"name": "weave_002", "kcal_per_min": 6.8, "intensity": 3},
	{"name": "hook_003", "kcal_per_min": 10.9, "intensity": 5},
	{"name": "knee_004", "kcal_per_min": 11.9, "intensity": 2},
	{"name": "cross_005", "kcal_per_min": 6.7, "intensity": 2},
	{"name": "duck_006", "kcal_per_min": 8.0, "intensity": 4},
	{"name": "duck_007", "kcal_per_min": 13.5, "intensity": 1},
	{"name": "hook_008", "kcal_per_min": 4.3, "intensity": 4},
	{"name": "shuffle_009", "kcal_per_min": 8.9, "intensity": 1},
	{"name": "duck_010", "kcal_per_min": 13.3, "intensity": 5},
	{"name": "jack_011", "kcal_per_min": 8.7, "intensity": 4},
	{"name": "uppercut_012", "kcal_per_min": 11.8, "intensity": 2},
	{"name": "hook_013", "kcal_per_min": 5.5, "intensity": 1},
	{"name": "jack_014", "kcal_per_min": 11.2, "intensity": 4},
	{"name": "cross_015", "kcal_per_min": 9.5, "intensity": 1},
	{"name": "jab_016", "kcal_per_min": 11.8, "intensity": 2},
	{"name": "shuffle_017", "kcal_per_min": 13.2, "intensity": 3},
	{"name": "hook_018", "kcal_per_min": 10.3, "intensity": 5},
	{"name": "knee_019", "kcal_per_min": 8.4, "intensity": 1},
	{"name": "cross_020", "kcal_per_min": 4.7, "intensity": 5},
	{"name": "shuffle_021", "kcal_per_min": 5.9, "intensity": 3},
	{"name": "uppercut_022", "kcal_per_min": 11.9, "intensity": 1},
	{"name": "jab_023", "kcal_per_min": 9.4, "intensity": 4},
	{"name": "squat_024", "kcal_per_min": 13.6, "intensity": 2},
	{"name": "weave_025", "kcal_per_min": 9.3, "intensity": 5},
	{"name": "uppercut_026", "kcal_per_min": 4.3, "intensity": 4},
	{"name": "burpee_027", "kcal_per_min": 10.5, "intensity": 1},
	{"name": "jab_028", "kcal_per_min": 5.9, "intensity": 4},
	{"name": "cross_029", "kcal_per_min": 6.6, "intensity": 4},
	{"name": "sprint_030", "kcal_per_min": 7.7, "intensity": 4},
	{"name": "jab_031", "kcal_per_min": 11.0, "intensity": 4},
	{"name": "lunge_032", "kcal_per_min": 10.8, "intensity": 2},
	{"name": "jab_033", "kcal_per_min": 12.0, "intensity": 5},
	{"name": "cross_034", "kcal_per_min": 6.1, "intensity": 2},
	{"name": "squat_035", "kcal_per_min": 11.7, "intensity": 2},
	{"name": "uppercut_036", "kcal_per_min": 8.7, "intensity": 3},
	{"name": "plank_037", "kcal_per_min": 12.9, "intensity": 1},
	{"name": "shuffle_038", "kcal_per_min": 9.0, "intensity": 2},
	{"name": "sprint_039", "kcal_per_min": 6.2, "intensity": 4},
	{"name": "sprint_040", "kcal_per_min": 10.7, "intensity": 5},
	{"name": "hook_041", "kcal_per_min": 13.2, "intensity": 1},
	{"name": "uppercut_042", "kcal_per_min": 4.2, "intensity": 5},
	{"name": "hook_043", "kcal_per_min": 8.2, "intensity": 1},
	{"name": "hook_044", "kcal_per_min": 7.9, "intensity": 3},
	{"name": "burpee_045", "kcal_per_min": 5.1, "intensity": 1},
	{"name": "sprint_046", "kcal_per_min": 5.7, "intensity": 2},
	{"name": "hook_047", "kcal_per_min": 10.5, "intensity": 5},
	{"name": "burpee_048", "kcal_per_min": 8.7, "intensity": 3},
	{"name": "knee_049", "kcal_per_min": 11.3, "intensity": 3},
	{"name": "lunge_050", "kcal_per_min": 8.4, "intensity": 1},
	{"name": "jab_051", "kcal_per_min": 4.8, "intensity": 1},
	{"name": "lunge_052", "kcal_per_min": 8.2, "intensity": 1},
	{"name": "block_053", "kcal_per_min": 13.6, "intensity": 2},
	{"name": "duck_054", "kcal_per_min": 7.6, "intensity": 3},
	{"name": "jack_055", "kcal_per_min": 12.0, "intensity": 1},
	{"name": "jab_056", "kcal_per_min": 11.1, "intensity": 2},
	{"name": "lunge_057", "kcal_per_min": 9.4, "intensity": 4},
	{"name": "uppercut_058", "kcal_per_min": 7.2, "intensity": 4},
	{"name": "jab_059", "kcal_per_min": 10.3, "intensity": 2},
	{"name": "plank_060", "kcal_per_min": 10.3, "intensity": 4},
	{"name": "jab_061", "kcal_per_min": 7.8, "intensity": 4},
	{"name": "cross_062", "kcal_per_min": 12.0, "intensity": 1},
	{"name": "squat_063", "kcal_per_min": 5.9, "intensity": 1},
	{"name": "sprint_064", "kcal_per_min": 10.1, "intensity": 3},
	{"name": "squat_065", "kcal_per_min": 7.3, "intensity": 5},
	{"name": "jab_066", "kcal_per_min": 6.6, "intensity": 3},
	{"name": "sprint_067", "kcal_per_min": 6.8, "intensity": 1},
	{"name": "burpee_068", "kcal_per_min": 11.6, "intensity": 1},
	{"name": "jab_069", "kcal_per_min": 12.3, "intensity": 1},
	{"name": "weave_070", "kcal_per_min": 11.2, "intensity": 4},
	{"name": "plank_071", "kcal_per_min": 7.9, "intensity": 3},
	{"name": "sprint_072", "kcal_per_min": 8.3, "intensity": 4},
	{"name": "hook_073", "kcal_per_min": 13.3, "intensity": 2},
	{"name": "jab_074", "kcal_per_min": 12.0, "intensity": 3},
	{"name": "jack_075", "kcal_per_min": 10.9, "intensity": 2},
	{"name": "shuffle_076", "kcal_per_min": 6.4, "intensity": 3},
	{"name": "weave_077", "kcal_per_min": 7.6, "intensity": 5},
	{"name": "cross_078", "kcal_per_min": 9.1, "intensity": 4},
	{"name": "plank_079", "kcal_per_min": 5.6, "intensity": 4},
	{"name": "cross_080", "kcal_per_min": 10.5, "intensity": 4},
	{"name": "block_081", "kcal_per_min": 9.4, "intensity": 2},
	{"name": "duck_082", "kcal_per_min": 12.8, "intensity": 1},
	{"name": "squat_083", "kcal_per_min": 10.2, "intensity": 2},
	{"name": "cross_084", "kcal_per_min": 8.2, "intensity": 4},
	{"name": "hook_085", "kcal_per_min": 6.3, "intensity": 4},
	{"name": "weave_086", "kcal_per_min": 10.2, "intensity": 2},
	{"name": "burpee_087", "kcal_per_min": 9.4, "intensity": 1},
	{"name": "plank_088", "kcal_per_min": 12.4, "intensity": 3},
	{"name": "squat_089", "kcal_per_min": 9.7, "intensity": 3},
	{"name": "squat_090", "kcal_per_min": 11.4, "intensity": 2},
	{"name": "weave_091", "kcal_per_min": 6.5, "intensity": 2},
	{"name": "uppercut_092", "kcal_per_min": 5.5, "intensity": 5},
	{"name": "uppercut_093", "kcal_per_min": 7.3, "intensity": 4},
	{"name": "squat_094", "kcal_per_min": 13.9, "intensity": 5},
	{"name": "block_095", "kcal_per_min": 6.3, "intensity": 1},
	{"name": "knee_096", "kcal_per_min": 8.6, "intensity": 1},
	{"name": "cross_097", "kcal_per_min": 4.0, "intensity": 2},
	{"name": "jack_098", "kcal_per_min": 8.5, "intensity": 3},
	{"name": "jab_099", "kcal_per_min": 12.8, "intensity": 2},
	{"name": "cross_100", "kcal_per_min": 4.5, "intensity": 5},
	{"name": "jack_101", "kcal_per_min": 9.8, "intensity": 1},
	{"name": "lunge_102", "kcal_per_min": 9.1, "intensity": 2},
	{"name": "weave_103", "kcal_per_min": 10.0, "intensity": 1},
	{"name": "cross_104", "kcal_per_min": 10.4, "intensity": 5},
	{"name": "lunge_105", "kcal_per_min": 6.2, "intensity": 3},
	{"name": "lunge_106", "kcal_per_min": 5.4, "intensity": 2},
	{"name": "squat_107", "kcal_per_min": 4.4, "intensity": 2},
	{"name": "jack_108", "kcal_per_min": 4.1, "intensity": 3},
	{"name": "duck_109", "kcal_per_min": 10.8, "intensity": 2},
	{"name": "shuffle_110", "kcal_per_min": 7.1, "intensity": 2},
	{"name": "jab_111", "kcal_per_min": 12.0, "intensity": 5},
	{"name": "weave_112", "kcal_per_min": 4.6, "intensity": 1},
	{"name": "plank_113", "kcal_per_min": 8.0, "intensity": 5},
	{"name": "hook_114", "kcal_per_min": 10.4, "intensity": 1},
	{"name": "knee_115", "kcal_per_min": 5.6, "intensity": 3},
	{"name": "duck_116", "kcal_per_min": 13.9, "intensity": 3},
	{"name": "duck_117", "kcal_per_min": 13.5, "intensity": 3},
	{"name": "burpee_118", "kcal_per_min": 9.7, "intensity": 3},
	{"name": "duck_119", "kcal_per_min": 8.2, "intensity": 3},
	{"name": "knee_120", "kcal_per_min": 6.0, "intensity": 4},
	{"name": "uppercut_121", "kcal_per_min": 13.4, "intensity": 4},
	{"name": "sprint_122", "kcal_per_min": 5.6, "intensity": 1},
	{"name": "jack_123", "kcal_per_min": 4.9, "intensity": 5},
	{"name": "sprint_124", "kcal_per_min": 7.6, "intensity": 2},
	{"name": "hook_125", "kcal_per_min": 4.1, "intensity": 5},
	{"name": "hook_126", "kcal_per_min": 10.4, "intensity": 4},
	{"name": "cross_127", "kcal_per_min": 9.7, "intensity": 3},
	{"name": "burpee_128", "kcal_per_min": 9.0, "intensity": 2},
	{"name": "lunge_129", "kcal_per_min": 6.8, "intensity": 5},
	{"name": "hook_130", "kcal_per_min": 13.3, "intensity": 1},
	{"name": "duck_131", "kcal_per_min": 8.9, "intensity": 2},
	{"name": "squat_132", "kcal_per_min": 5.3, "intensity": 1},
	{"name": "sprint_133", "kcal_per_min": 8.8, "intensity": 1},
	{"name": "shuffle_134", "kcal_per_min": 13.3, "intensity": 4},
	{"name": "cross_135", "kcal_per_min": 13.0, "intensity": 5},
	{"name": "burpee_136", "kcal_per_min": 12.2, "intensity": 2},
	{"name": "knee_137", "kcal_per_min": 11.9, "intensity": 2},
	{"name": "shuffle_138", "kcal_per_min": 8.0, "intensity": 2},
	{"name": "jack_139", "kcal_per_min": 8.7, "intensity": 5},
	{"name": "uppercut_140", "kcal_per_min": 4.4, "intensity": 5},
	{"name": "hook_141", "kcal_per_min": 7.8, "intensity": 1},
	{"name": "hook_142", "kcal_per_min": 6.5, "intensity": 2},
	{"name": "jab_143", "kcal_per_min": 12.8, "intensity": 1},
	{"name": "knee_144", "kcal_per_min": 12.4, "intensity": 1},
	{"name": "duck_145", "kcal_per_min": 10.0, "intensity": 5},
	{"name": "jack_146", "kcal_per_min": 10.3, "intensity": 3},
	{"name": "knee_147", "kcal_per_min": 8.2, "intensity": 5},
	{"name": "uppercut_148", "kcal_per_min": 8.3, "intensity": 3},
	{"name": "weave_149", "kcal_per_min": 9.0, "intensity": 2},
	{"name": "jab_150", "kcal_per_min": 4.0, "intensity": 4},
	{"name": "weave_151", "kcal_per_min": 6.4, "intensity": 5},
	{"name": "plank_152", "kcal_per_min": 12.2, "intensity": 2},
	{"name": "plank_153", "kcal_per_min": 8.7, "intensity": 1},
	{"name": "cross_154", "kcal_per_min": 5.3, "intensity": 4},
	{"name": "lunge_155", "kcal_per_min": 4.9, "intensity": 4},
	{"name": "block_156", "kcal_per_min": 9.1, "intensity": 1},
	{"name": "jab_157", "kcal_per_min": 10.4, "intensity": 1},
	{"name": "sprint_158", "kcal_per_min": 11.3, "intensity": 5},
	{"name": "cross_159", "kcal_per_min": 4.5, "intensity": 5},
	{"name": "sprint_160", "kcal_per_min": 7.8, "intensity": 2},
	{"name": "jab_161", "kcal_per_min": 12.6, "intensity": 5},
	{"name": "burpee_162", "kcal_per_min": 10.9, "intensity": 1},
	{"name": "uppercut_163", "kcal_per_min": 5.3, "intensity": 4},
	{"name": "squat_164", "kcal_per_min": 13.6, "intensity": 2},
	{"name": "knee_165", "kcal_per_min": 11.9, "intensity": 2},
	{"name": "cross_166", "kcal_per_min": 12.3, "intensity": 5},
	{"name": "plank_167", "kcal_per_min": 6.5, "intensity": 3},
	{"name": "sprint_168", "kcal_per_min": 10.1, "intensity": 4},
	{"name": "hook_169", "kcal_per_min": 6.5, "intensity": 4}
]

## Exercise names in the current session, in order.
var session: Array = []


## Calories per minute of an exercise, or 0.0 when it is unknown.
func kcal_per_min(name: String) -> float:
	for e in EXERCISES:
		if e["name"] == name:
			return e["kcal_per_min"]
	return 0.0


## Adds an exercise to the session; unknown names are refused.
func add(name: String) -> bool:
	if kcal_per_min(name) == 0.0:
		return false
	session.append(name)
	return true


## Estimated calories of the session when each exercise lasts `minutes`.
func session_kcal(minutes: float) -> float:
	var total := 0.0
	for name in session:
		total += kcal_per_min(name) * minutes
	return total


## Number of exercises in the table at exactly this intensity (1 to 5).
func count_at_intensity(level: int) -> int:
	var n := 0
	for e in EXERCISES:
		if e["intensity"] == level:
			n += 1
	return n
