//go:build !race

package kvraft_test

const raceEnabled = false
