class_name BeatScorer
extends RefCounted
## Judges punches against the beat and keeps the running score.
##
## Offsets are in milliseconds: negative means early, positive means late.

const PERFECT_WINDOW_MS := 30.0
const GREAT_WINDOW_MS := 70.0
const GOOD_WINDOW_MS := 120.0
const POINTS := {"perfect": 300, "great": 200, "good": 100, "miss": 0}

var total_score: int = 0
var hits: int = 0
var misses: int = 0


## Returns "perfect", "great", "good" or "miss" for a timing offset.
func judge(offset_ms: float) -> String:
	var off := absf(offset_ms)
	if off <= PERFECT_WINDOW_MS:
		return "perfect"
	elif off <= GREAT_WINDOW_MS:
		return "great"
	elif off <= GOOD_WINDOW_MS:
		return "good"
	return "miss"


## Base points for a judgement; unknown judgements score nothing.
func points_for(judgement: String) -> int:
	return POINTS.get(judgement, 0)


## Scores one punch with a combo multiplier and returns the points it earned.
func register(offset_ms: float, multiplier: int = 1) -> int:
	var judgement := judge(offset_ms)
	var points := points_for(judgement) * multiplier
	total_score += points
	if judgement == "miss":
		misses += 1
	else:
		hits += 1
	return points


func accuracy() -> float:
	var total := hits + misses
	if total == 0:
		return 0.0
	return float(hits) / total


func reset() -> void:
	total_score = 0
	hits = 0
	misses = 0
