extends GutTest


func test_counts_per_intensity():
	var p := WorkoutPlan.new()
	assert_eq(p.count_at_intensity(1), 40)
	assert_eq(p.count_at_intensity(3), 27)
	assert_eq(p.count_at_intensity(5), 30)


func test_unknown_intensity_counts_nothing():
	assert_eq(WorkoutPlan.new().count_at_intensity(9), 0)


func test_session_kcal_still_works():
	var p := WorkoutPlan.new()
	assert_true(p.add("burpee_000"))
	assert_false(p.add("nope"))
	assert_almost_eq(p.session_kcal(2.0), 18.4, 0.001)
