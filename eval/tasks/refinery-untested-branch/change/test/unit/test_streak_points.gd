extends GutTest


func test_streak_points_without_bonus():
	assert_eq(BeatScorer.new().streak_points("perfect", 3), 300)
