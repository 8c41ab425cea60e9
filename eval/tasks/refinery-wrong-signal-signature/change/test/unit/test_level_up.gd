extends GutTest


func test_level_up_is_emitted_on_a_full_level():
	var c := ComboCounter.new()
	watch_signals(c)
	for i in range(10):
		c.hit()
	assert_signal_emitted(c, "level_up")
