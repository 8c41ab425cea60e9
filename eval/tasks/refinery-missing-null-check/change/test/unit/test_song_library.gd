extends GutTest


func test_title_of_known_song():
	var lib := SongLibrary.new()
	lib.add_song("neon", "Neon Pulse")
	assert_eq(lib.title_of("neon"), "Neon Pulse")


func test_record_keeps_best():
	var lib := SongLibrary.new()
	lib.add_song("neon", "Neon Pulse")
	lib.record("neon", 300)
	lib.record("neon", 100)
	assert_eq(lib.songs["neon"]["best"], 300)
