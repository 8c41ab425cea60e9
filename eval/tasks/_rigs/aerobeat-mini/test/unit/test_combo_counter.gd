extends GutTest

var counter: ComboCounter
var broken_at: Array = []


func before_each():
	counter = ComboCounter.new()
	broken_at = []
	counter.combo_broken.connect(_on_combo_broken)


func _on_combo_broken(final_combo: int) -> void:
	broken_at.append(final_combo)


func test_hits_count_up():
	for i in range(3):
		counter.hit()
	assert_eq(counter.combo, 3)
	assert_eq(counter.best_combo, 3)


func test_multiplier_steps_every_level():
	assert_eq(counter.multiplier(), 1)
	for i in range(15):
		counter.hit()
	assert_eq(counter.multiplier(), 2, "15 hits is one full level")


func test_multiplier_is_capped():
	for i in range(100): counter.hit()
	assert_eq(counter.multiplier(), ComboCounter.MAX_MULTIPLIER)


func test_miss_breaks_combo_and_reports_it():
	watch_signals(counter)
	counter.hit()
	counter.hit()
	counter.miss()
	assert_eq(counter.combo, 0)
	assert_eq(counter.best_combo, 2)
	assert_eq(broken_at, [2])
	assert_signal_emitted_with_parameters(counter, "combo_broken", [2])


func test_miss_without_combo_is_silent():
	counter.miss()
	assert_true(broken_at.is_empty())
