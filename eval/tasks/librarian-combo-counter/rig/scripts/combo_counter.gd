class_name ComboCounter
extends RefCounted
## Counts consecutive hits and turns them into a score multiplier.

## Emitted when a miss ends a combo of at least one hit.
signal combo_broken(final_combo: int)

const MAX_MULTIPLIER := 4

## Hits needed for each step of the multiplier.
@export var hits_per_level: int = 10

var combo: int = 0
var best_combo: int = 0


func hit() -> int:
	combo += 1
	best_combo = maxi(best_combo, combo)
	return combo


## Ends the current combo.
func miss() -> void:
	if combo > 0:
		combo_broken.emit(combo)
	combo = 0


func multiplier() -> int:
	return mini(1 + combo / hits_per_level, MAX_MULTIPLIER)
