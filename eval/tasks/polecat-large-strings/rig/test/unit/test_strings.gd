extends GutTest


func test_translate_in_language():
	assert_eq(Strings.new().translate("ui_great_001", "de"), "COMBO 1")


func test_translate_falls_back_to_english():
	assert_eq(Strings.new().translate("ui_great_000", "de"), "Great 0")


func test_unknown_key_is_returned_as_is():
	assert_eq(Strings.new().translate("ui_nothing", "de"), "ui_nothing")
