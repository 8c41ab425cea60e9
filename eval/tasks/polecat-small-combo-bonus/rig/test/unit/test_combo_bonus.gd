extends GutTest


func test_no_bonus_below_first_level():
	var c := ComboCounter.new()
	for i in range(9):
		c.hit()
	assert_eq(c.bonus_points(), 0)


func test_bonus_per_full_level():
	var c := ComboCounter.new()
	for i in range(25):
		c.hit()
	assert_eq(c.bonus_points(), 100)
