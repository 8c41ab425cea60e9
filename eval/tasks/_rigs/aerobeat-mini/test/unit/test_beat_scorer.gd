extends GutTest

var scorer: BeatScorer


func before_each():
	scorer = BeatScorer.new()


func test_judge_uses_timing_windows():
	assert_eq(scorer.judge(0.0), "perfect")
	assert_eq(scorer.judge(-30.0), "perfect", "the window edge is still perfect")
	assert_eq(scorer.judge(50.0), "great")
	assert_eq(scorer.judge(-110.0), "good")
	assert_eq(scorer.judge(121.0), "miss")


func test_points_for_each_judgement():
	assert_eq(scorer.points_for("perfect"), 300)
	assert_eq(scorer.points_for("good"), 100)
	assert_eq(scorer.points_for("bogus"), 0)


func test_register_applies_multiplier_and_totals():
	assert_eq(scorer.register(10.0, 2), 600)
	assert_eq(scorer.register(60.0), 200)
	assert_eq(scorer.total_score, 800)
	assert_eq(scorer.hits, 2)


func test_accuracy_counts_misses():
	assert_eq(scorer.accuracy(), 0.0, "no punches yet")
	scorer.register(0.0)
	scorer.register(500.0)
	scorer.register(-20.0)
	assert_almost_eq(scorer.accuracy(), 0.667, 0.001)
	assert_eq(scorer.misses, 1)


func test_reset_clears_everything():
	scorer.register(0.0)
	scorer.register(999.0)
	scorer.reset()
	assert_eq([scorer.total_score, scorer.hits, scorer.misses], [0, 0, 0])
