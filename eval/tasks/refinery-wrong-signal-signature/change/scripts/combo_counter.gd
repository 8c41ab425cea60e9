class_name ComboCounter
extends RefCounted
## Counts consecutive hits and turns them into a score multiplier.

## Emitted when a miss ends a combo of at least one hit.
signal combo_broken(final_combo: int)

## Emitted when a hit completes a level and the multiplier goes up.
signal level_up(new_multiplier: int)

const MAX_MULTIPLIER := 4

## Hits needed for each step of the multiplier.
@export var hits_per_level: int = 10

var combo: int = 0
var best_combo: int = 0


## Adds a hit and returns the new combo length.
func hit() -> int:
	combo += 1
	best_combo = maxi(best_combo, combo)
	if combo % hits_per_level == 0:
		level_up.emit(multiplier(), combo)
	return combo


## Ends the current combo.
func miss() -> void:
	if combo > 0:
		combo_broken.emit(combo)
	combo = 0


## 1 for the first `hits_per_level` hits, then one more per level, capped at MAX_MULTIPLIER.
func multiplier() -> int:
	return mini(1 + combo / hits_per_level, MAX_MULTIPLIER)
