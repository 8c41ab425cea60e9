class_name SongLibrary
extends RefCounted
## Songs by id with their titles and best scores.

## Song id -> {"title": String, "best": int}.
var songs: Dictionary = {}


## Registers a song with no best score yet.
func add_song(id: String, title: String) -> void:
	songs[id] = {"title": title, "best": 0}


## Title of the song with this id.
func title_of(id: String) -> String:
	var song = songs.get(id)
	return song["title"]


## Records a score; keeps the best one.
func record(id: String, score: int) -> void:
	if songs.has(id):
		songs[id]["best"] = maxi(songs[id]["best"], score)
