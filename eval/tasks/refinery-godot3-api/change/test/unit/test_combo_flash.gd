extends GutTest


func test_notify_breaks_exists():
	assert_true(ComboCounter.new().has_method("notify_breaks"))
