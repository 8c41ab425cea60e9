extends GutTest

var chart: SongChart


func before_each():
	chart = SongChart.new()


func test_add_note_keeps_order():
	chart.add_note(1000, "left", "jab")
	chart.add_note(500, "right", "cross")
	assert_eq(chart.notes[0]["time_ms"], 500)
	assert_false(chart.add_note(10, "middle", "jab"))


func test_notes_between_is_half_open():
	chart.add_note(1000, "left", "jab")
	chart.add_note(2000, "left", "jab")
	chart.add_note(3000, "up", "hook")
	assert_eq(chart.notes_between(1000, 3000), 2)
	assert_eq(chart.notes_between(3001, 9000), 0)


func test_notes_between_on_demo_chart():
	chart.load_demo()
	assert_eq(chart.note_count(), 230)
	assert_eq(chart.notes_between(10000, 20000), 16)
