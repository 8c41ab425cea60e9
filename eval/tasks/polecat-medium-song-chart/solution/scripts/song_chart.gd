class_name SongChart
extends RefCounted
## A song's note chart: when each punch comes, in which lane and of which kind.
##
## Times are in milliseconds from the start of the song. Notes are kept sorted by time.

const LANES := ["left", "right", "up", "down"]
const KINDS := ["jab", "cross", "hook", "uppercut"]
const BPM_DEFAULT := 120.0

## The built-in demo chart ("Warm-up Groove"), used by the tutorial and the menu preview.
const DEMO_NOTES := [
	{"time_ms": 500, "lane": "right", "kind": "uppercut"},
	{"time_ms": 750, "lane": "left", "kind": "jab"},
	{"time_ms": 1250, "lane": "left", "kind": "cross"},
	{"time_ms": 1500, "lane": "left", "kind": "uppercut"},
	{"time_ms": 2250, "lane": "left", "kind": "cross"},
	{"time_ms": 2500, "lane": "down", "kind": "jab"},
	{"time_ms": 3500, "lane": "left", "kind": "cross"},
	{"time_ms": 4500, "lane": "left", "kind": "uppercut"},
	{"time_ms": 4750, "lane": "right", "kind": "jab"},
	{"time_ms": 5750, "lane": "right", "kind": "hook"},
	{"time_ms": 6500, "lane": "right", "kind": "jab"},
	{"time_ms": 7500, "lane": "up", "kind": "cross"},
	{"time_ms": 7750, "lane": "right", "kind": "hook"},
	{"time_ms": 8000, "lane": "left", "kind": "jab"},
	{"time_ms": 9000, "lane": "right", "kind": "uppercut"},
	{"time_ms": 10000, "lane": "down", "kind": "hook"},
	{"time_ms": 10750, "lane": "down", "kind": "hook"},
	{"time_ms": 11250, "lane": "right", "kind": "cross"},
	{"time_ms": 11750, "lane": "left", "kind": "hook"},
	{"time_ms": 12750, "lane": "down", "kind": "hook"},
	{"time_ms": 13500, "lane": "up", "kind": "jab"},
	{"time_ms": 13750, "lane": "down", "kind": "cross"},
	{"time_ms": 14250, "lane": "right", "kind": "uppercut"},
	{"time_ms": 15000, "lane": "left", "kind": "jab"},
	{"time_ms": 16000, "lane": "up", "kind": "hook"},
	{"time_ms": 16500, "lane": "down", "kind": "uppercut"},
	{"time_ms": 16750, "lane": "left", "kind": "hook"},
	{"time_ms": 17500, "lane": "left", "kind": "jab"},
	{"time_ms": 18000, "lane": "down", "kind": "hook"},
	{"time_ms": 18750, "lane": "up", "kind": "jab"},
	{"time_ms": 19500, "lane": "up", "kind": "cross"},
	{"time_ms": 20500, "lane": "left", "kind": "uppercut"},
	{"time_ms": 20750, "lane": "right", "kind": "hook"},
	{"time_ms": 21250, "lane": "right", "kind": "uppercut"},
	{"time_ms": 22000, "lane": "down", "kind": "jab"},
	{"time_ms": 22500, "lane": "down", "kind": "uppercut"},
	{"time_ms": 23500, "lane": "up", "kind": "cross"},
	{"time_ms": 24250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 24750, "lane": "down", "kind": "cross"},
	{"time_ms": 25250, "lane": "left", "kind": "cross"},
	{"time_ms": 25750, "lane": "right", "kind": "cross"},
	{"time_ms": 26000, "lane": "down", "kind": "cross"},
	{"time_ms": 26500, "lane": "up", "kind": "jab"},
	{"time_ms": 27000, "lane": "down", "kind": "hook"},
	{"time_ms": 28000, "lane": "up", "kind": "cross"},
	{"time_ms": 29000, "lane": "left", "kind": "uppercut"},
	{"time_ms": 30000, "lane": "down", "kind": "uppercut"},
	{"time_ms": 30750, "lane": "down", "kind": "jab"},
	{"time_ms": 31500, "lane": "down", "kind": "jab"},
	{"time_ms": 32000, "lane": "left", "kind": "cross"},
	{"time_ms": 32750, "lane": "right", "kind": "jab"},
	{"time_ms": 33250, "lane": "left", "kind": "jab"},
	{"time_ms": 33500, "lane": "right", "kind": "jab"},
	{"time_ms": 34000, "lane": "left", "kind": "jab"},
	{"time_ms": 34500, "lane": "down", "kind": "cross"},
	{"time_ms": 35000, "lane": "up", "kind": "hook"},
	{"time_ms": 35750, "lane": "left", "kind": "jab"},
	{"time_ms": 36500, "lane": "down", "kind": "uppercut"},
	{"time_ms": 37250, "lane": "up", "kind": "jab"},
	{"time_ms": 37750, "lane": "left", "kind": "hook"},
	{"time_ms": 38250, "lane": "down", "kind": "cross"},
	{"time_ms": 39250, "lane": "left", "kind": "cross"},
	{"time_ms": 40250, "lane": "up", "kind": "cross"},
	{"time_ms": 41250, "lane": "left", "kind": "hook"},
	{"time_ms": 41500, "lane": "up", "kind": "hook"},
	{"time_ms": 42000, "lane": "up", "kind": "cross"},
	{"time_ms": 43000, "lane": "up", "kind": "cross"},
	{"time_ms": 44000, "lane": "right", "kind": "cross"},
	{"time_ms": 44750, "lane": "right", "kind": "cross"},
	{"time_ms": 45750, "lane": "down", "kind": "hook"},
	{"time_ms": 46000, "lane": "left", "kind": "hook"},
	{"time_ms": 46750, "lane": "up", "kind": "cross"},
	{"time_ms": 47750, "lane": "up", "kind": "uppercut"},
	{"time_ms": 48250, "lane": "up", "kind": "jab"},
	{"time_ms": 48750, "lane": "left", "kind": "cross"},
	{"time_ms": 49500, "lane": "right", "kind": "hook"},
	{"time_ms": 50000, "lane": "down", "kind": "jab"},
	{"time_ms": 50750, "lane": "up", "kind": "jab"},
	{"time_ms": 51000, "lane": "down", "kind": "cross"},
	{"time_ms": 51750, "lane": "right", "kind": "uppercut"},
	{"time_ms": 52250, "lane": "left", "kind": "uppercut"},
	{"time_ms": 53000, "lane": "down", "kind": "jab"},
	{"time_ms": 53500, "lane": "right", "kind": "cross"},
	{"time_ms": 53750, "lane": "right", "kind": "uppercut"},
	{"time_ms": 54250, "lane": "down", "kind": "hook"},
	{"time_ms": 54750, "lane": "right", "kind": "jab"},
	{"time_ms": 55000, "lane": "left", "kind": "cross"},
	{"time_ms": 55750, "lane": "right", "kind": "cross"},
	{"time_ms": 56000, "lane": "up", "kind": "cross"},
	{"time_ms": 56500, "lane": "right", "kind": "hook"},
	{"time_ms": 57000, "lane": "down", "kind": "cross"},
	{"time_ms": 57250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 58250, "lane": "down", "kind": "cross"},
	{"time_ms": 59250, "lane": "right", "kind": "jab"},
	{"time_ms": 60000, "lane": "right", "kind": "jab"},
	{"time_ms": 60500, "lane": "right", "kind": "cross"},
	{"time_ms": 61250, "lane": "left", "kind": "jab"},
	{"time_ms": 61750, "lane": "down", "kind": "jab"},
	{"time_ms": 62750, "lane": "left", "kind": "cross"},
	{"time_ms": 63250, "lane": "up", "kind": "jab"},
	{"time_ms": 63500, "lane": "down", "kind": "jab"},
	{"time_ms": 63750, "lane": "down", "kind": "hook"},
	{"time_ms": 64750, "lane": "right", "kind": "hook"},
	{"time_ms": 65500, "lane": "down", "kind": "cross"},
	{"time_ms": 66500, "lane": "up", "kind": "cross"},
	{"time_ms": 67250, "lane": "right", "kind": "uppercut"},
	{"time_ms": 67500, "lane": "down", "kind": "uppercut"},
	{"time_ms": 68000, "lane": "left", "kind": "cross"},
	{"time_ms": 68750, "lane": "left", "kind": "cross"},
	{"time_ms": 69250, "lane": "left", "kind": "cross"},
	{"time_ms": 69750, "lane": "right", "kind": "hook"},
	{"time_ms": 70250, "lane": "down", "kind": "cross"},
	{"time_ms": 70500, "lane": "down", "kind": "uppercut"},
	{"time_ms": 71000, "lane": "right", "kind": "cross"},
	{"time_ms": 71750, "lane": "down", "kind": "hook"},
	{"time_ms": 72500, "lane": "right", "kind": "hook"},
	{"time_ms": 73000, "lane": "left", "kind": "hook"},
	{"time_ms": 73250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 74000, "lane": "left", "kind": "uppercut"},
	{"time_ms": 74500, "lane": "up", "kind": "jab"},
	{"time_ms": 74750, "lane": "right", "kind": "jab"},
	{"time_ms": 75000, "lane": "up", "kind": "hook"},
	{"time_ms": 75250, "lane": "right", "kind": "hook"},
	{"time_ms": 75750, "lane": "down", "kind": "hook"},
	{"time_ms": 76500, "lane": "right", "kind": "uppercut"},
	{"time_ms": 77000, "lane": "left", "kind": "hook"},
	{"time_ms": 77250, "lane": "right", "kind": "uppercut"},
	{"time_ms": 77500, "lane": "up", "kind": "jab"},
	{"time_ms": 77750, "lane": "up", "kind": "jab"},
	{"time_ms": 78750, "lane": "right", "kind": "jab"},
	{"time_ms": 79250, "lane": "left", "kind": "uppercut"},
	{"time_ms": 79500, "lane": "up", "kind": "uppercut"},
	{"time_ms": 80000, "lane": "right", "kind": "jab"},
	{"time_ms": 81000, "lane": "right", "kind": "jab"},
	{"time_ms": 81500, "lane": "up", "kind": "jab"},
	{"time_ms": 82000, "lane": "right", "kind": "hook"},
	{"time_ms": 82500, "lane": "right", "kind": "hook"},
	{"time_ms": 83250, "lane": "right", "kind": "hook"},
	{"time_ms": 83750, "lane": "left", "kind": "hook"},
	{"time_ms": 84000, "lane": "left", "kind": "jab"},
	{"time_ms": 85000, "lane": "right", "kind": "uppercut"},
	{"time_ms": 85500, "lane": "down", "kind": "jab"},
	{"time_ms": 86250, "lane": "down", "kind": "uppercut"},
	{"time_ms": 87250, "lane": "up", "kind": "cross"},
	{"time_ms": 87750, "lane": "up", "kind": "cross"},
	{"time_ms": 88250, "lane": "down", "kind": "hook"},
	{"time_ms": 88500, "lane": "right", "kind": "jab"},
	{"time_ms": 88750, "lane": "up", "kind": "uppercut"},
	{"time_ms": 89250, "lane": "left", "kind": "jab"},
	{"time_ms": 90000, "lane": "up", "kind": "cross"},
	{"time_ms": 90500, "lane": "left", "kind": "uppercut"},
	{"time_ms": 91000, "lane": "right", "kind": "hook"},
	{"time_ms": 91750, "lane": "left", "kind": "hook"},
	{"time_ms": 92250, "lane": "up", "kind": "hook"},
	{"time_ms": 92750, "lane": "left", "kind": "hook"},
	{"time_ms": 93250, "lane": "up", "kind": "cross"},
	{"time_ms": 93500, "lane": "up", "kind": "uppercut"},
	{"time_ms": 93750, "lane": "down", "kind": "hook"},
	{"time_ms": 94750, "lane": "right", "kind": "cross"},
	{"time_ms": 95750, "lane": "left", "kind": "jab"},
	{"time_ms": 96250, "lane": "left", "kind": "cross"},
	{"time_ms": 97000, "lane": "left", "kind": "uppercut"},
	{"time_ms": 97250, "lane": "up", "kind": "hook"},
	{"time_ms": 97750, "lane": "left", "kind": "cross"},
	{"time_ms": 98750, "lane": "down", "kind": "hook"},
	{"time_ms": 99500, "lane": "right", "kind": "hook"},
	{"time_ms": 100500, "lane": "right", "kind": "jab"},
	{"time_ms": 101500, "lane": "down", "kind": "cross"},
	{"time_ms": 102500, "lane": "left", "kind": "cross"},
	{"time_ms": 102750, "lane": "left", "kind": "jab"},
	{"time_ms": 103250, "lane": "up", "kind": "jab"},
	{"time_ms": 104000, "lane": "down", "kind": "jab"},
	{"time_ms": 104250, "lane": "right", "kind": "uppercut"},
	{"time_ms": 104750, "lane": "left", "kind": "uppercut"},
	{"time_ms": 105000, "lane": "left", "kind": "jab"},
	{"time_ms": 105750, "lane": "up", "kind": "jab"},
	{"time_ms": 106250, "lane": "right", "kind": "cross"},
	{"time_ms": 106750, "lane": "down", "kind": "uppercut"},
	{"time_ms": 107500, "lane": "left", "kind": "uppercut"},
	{"time_ms": 108000, "lane": "left", "kind": "cross"},
	{"time_ms": 108250, "lane": "right", "kind": "hook"},
	{"time_ms": 108750, "lane": "up", "kind": "cross"},
	{"time_ms": 109000, "lane": "down", "kind": "jab"},
	{"time_ms": 109750, "lane": "up", "kind": "jab"},
	{"time_ms": 110250, "lane": "down", "kind": "hook"},
	{"time_ms": 111250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 112000, "lane": "down", "kind": "jab"},
	{"time_ms": 113000, "lane": "right", "kind": "hook"},
	{"time_ms": 113250, "lane": "down", "kind": "jab"},
	{"time_ms": 113750, "lane": "down", "kind": "jab"},
	{"time_ms": 114750, "lane": "down", "kind": "hook"},
	{"time_ms": 115500, "lane": "right", "kind": "cross"},
	{"time_ms": 115750, "lane": "left", "kind": "cross"},
	{"time_ms": 116750, "lane": "up", "kind": "hook"},
	{"time_ms": 117250, "lane": "up", "kind": "jab"},
	{"time_ms": 117750, "lane": "right", "kind": "uppercut"},
	{"time_ms": 118500, "lane": "down", "kind": "jab"},
	{"time_ms": 119000, "lane": "left", "kind": "uppercut"},
	{"time_ms": 119750, "lane": "down", "kind": "hook"},
	{"time_ms": 120250, "lane": "down", "kind": "hook"},
	{"time_ms": 121000, "lane": "up", "kind": "jab"},
	{"time_ms": 121500, "lane": "left", "kind": "hook"},
	{"time_ms": 122000, "lane": "down", "kind": "jab"},
	{"time_ms": 122500, "lane": "left", "kind": "hook"},
	{"time_ms": 123000, "lane": "up", "kind": "jab"},
	{"time_ms": 123750, "lane": "down", "kind": "jab"},
	{"time_ms": 124250, "lane": "down", "kind": "hook"},
	{"time_ms": 124500, "lane": "up", "kind": "jab"},
	{"time_ms": 124750, "lane": "up", "kind": "cross"},
	{"time_ms": 125250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 126250, "lane": "up", "kind": "cross"},
	{"time_ms": 126750, "lane": "down", "kind": "jab"},
	{"time_ms": 127500, "lane": "right", "kind": "jab"},
	{"time_ms": 127750, "lane": "down", "kind": "uppercut"},
	{"time_ms": 128750, "lane": "right", "kind": "hook"},
	{"time_ms": 129500, "lane": "left", "kind": "cross"},
	{"time_ms": 130000, "lane": "down", "kind": "uppercut"},
	{"time_ms": 130500, "lane": "up", "kind": "hook"},
	{"time_ms": 131000, "lane": "up", "kind": "uppercut"},
	{"time_ms": 131500, "lane": "up", "kind": "uppercut"},
	{"time_ms": 132500, "lane": "down", "kind": "jab"},
	{"time_ms": 133000, "lane": "right", "kind": "jab"},
	{"time_ms": 133500, "lane": "down", "kind": "cross"},
	{"time_ms": 134250, "lane": "up", "kind": "uppercut"},
	{"time_ms": 135000, "lane": "right", "kind": "cross"},
	{"time_ms": 135500, "lane": "left", "kind": "cross"},
	{"time_ms": 136000, "lane": "left", "kind": "hook"},
	{"time_ms": 136500, "lane": "up", "kind": "hook"},
	{"time_ms": 137500, "lane": "right", "kind": "jab"},
	{"time_ms": 138250, "lane": "down", "kind": "uppercut"}
]

## Song title shown in the menu.
var title: String = ""
## Tempo of the song in beats per minute.
var bpm: float = BPM_DEFAULT
## Notes as dictionaries with "time_ms", "lane" and "kind", sorted by time.
var notes: Array = []


## Adds a note, keeping the list sorted by time; unknown lanes or kinds are ignored.
func add_note(time_ms: int, lane: String, kind: String) -> bool:
	if not lane in LANES or not kind in KINDS:
		return false
	var at := notes.size()
	for i in range(notes.size()):
		if notes[i]["time_ms"] > time_ms:
			at = i
			break
	notes.insert(at, {"time_ms": time_ms, "lane": lane, "kind": kind})
	return true


## Replaces the notes with the built-in demo chart.
func load_demo() -> void:
	title = "Warm-up Groove"
	bpm = BPM_DEFAULT
	notes = []
	for n in DEMO_NOTES:
		add_note(n["time_ms"], n["lane"], n["kind"])


## Number of notes in the chart.
func note_count() -> int:
	return notes.size()


## Number of notes in one lane.
func count_lane(lane: String) -> int:
	var n := 0
	for note in notes:
		if note["lane"] == lane:
			n += 1
	return n


## Time of the last note, or 0 for an empty chart.
func duration_ms() -> int:
	if notes.is_empty():
		return 0
	return notes[notes.size() - 1]["time_ms"]


## Length of one beat in milliseconds at the chart's tempo.
func beat_ms() -> float:
	return 60000.0 / bpm


## Notes with start_ms <= time < end_ms.
func notes_between(start_ms: int, end_ms: int) -> int:
	var n := 0
	for note in notes:
		if note["time_ms"] >= start_ms and note["time_ms"] < end_ms:
			n += 1
	return n
