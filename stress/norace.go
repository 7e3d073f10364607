//go:build !race

package stress

// RaceDetector reports whether this program was built with -race, so that
// data races in the implementation under test are reported.
const RaceDetector = false
