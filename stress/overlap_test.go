package stress

import (
	"strings"
	"testing"
)

func TestOverlaps(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sections []section
		want     []string // who is reported entering, in order
	}{
		{"none", nil, nil},
		{"one after another", []section{{"a", 0, 10}, {"b", 10, 20}, {"a", 25, 30}}, nil},
		{"out of order", []section{{"b", 10, 20}, {"a", 0, 10}}, nil},
		{"inside another", []section{{"a", 0, 100}, {"b", 10, 20}, {"c", 30, 40}}, []string{"b", "c"}},
		{"still held at the end", []section{{"a", 50, -1}, {"b", 60, 70}}, []string{"b"}},
		{"overlapping the previous", []section{{"a", 0, 10}, {"b", 5, 15}}, []string{"b"}},
		{"too many to list", []section{{"a", 0, 100}, {"b", 1, 2}, {"c", 3, 4}, {"d", 5, 6}, {"e", 7, 8}, {"f", 9, 10}},
			[]string{"b", "c", "d", "2 more overlapping critical sections"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := overlaps(tc.sections, 1000)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d reports", got, len(tc.want))
			}
			for i, who := range tc.want {
				if !strings.HasPrefix(got[i], "mutual exclusion: "+who) {
					t.Errorf("report %d: %q, want %s entering", i, got[i], who)
				}
			}
		})
	}
}
