extends GutTest


func _scorer(hits: int, misses: int) -> BeatScorer:
	var s := BeatScorer.new()
	for i in range(hits):
		s.register(0.0)
	for i in range(misses):
		s.register(500.0)
	return s


func test_no_punches_is_c():
	assert_eq(BeatScorer.new().grade(), "C")


func test_grade_boundaries():
	assert_eq(_scorer(19, 1).grade(), "S")
	assert_eq(_scorer(17, 3).grade(), "A")
	assert_eq(_scorer(14, 6).grade(), "B")
	assert_eq(_scorer(13, 7).grade(), "C")
