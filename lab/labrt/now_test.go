package labrt

import "testing"

// TestNowMovesOnEveryRead: two reads of time.Now between the same two
// events differ, as on a real clock (ids made from it do not collide), and
// every run starts from the same clock, so its reads replay.
func TestNowMovesOnEveryRead(t *testing.T) {
	var first []int64
	for run := range 2 {
		begin(uint64(run))
		var reads []int64
		for range 3 {
			reads = append(reads, Now().UnixNano())
		}
		end()
		if reads[0] >= reads[1] || reads[1] >= reads[2] {
			t.Fatalf("run %d: reads %v do not increase", run, reads)
		}
		if first == nil {
			first = reads
		} else if reads[0] != first[0] || reads[2] != first[2] {
			t.Errorf("run %d read %v, the first run %v", run, reads, first)
		}
	}
}
