extends GutTest


func test_playlist_filters_by_difficulty_and_length():
	var c := LevelCatalog.new()
	var p := c.playlist(2, 120)
	assert_eq(p.size(), 8)
	assert_eq(p[0], "lvl_031")
	assert_eq(p[p.size() - 1], "lvl_351")


func test_playlist_can_be_empty():
	assert_eq(LevelCatalog.new().playlist(9, 300).size(), 0)
