package raft

import (
	"log"
	"math/rand"
	"time"
)

// Debug turns on DPrintf's output.
const Debug = false

func DPrintf(format string, a ...interface{}) {
	if Debug {
		log.Printf(format, a...)
	}
}

// Timing. The tester wants at most about ten heartbeats a second and a new
// leader within five seconds of the old one failing, so followers wait
// several heartbeat intervals before they start an election.
const (
	heartbeatInterval  = 100 * time.Millisecond
	electionTimeoutMin = 300 * time.Millisecond
	electionTimeoutMax = 600 * time.Millisecond
)

// randomElectionTimeout is a fresh timeout in [min, max), drawn anew each
// time the timer is reset so that peers rarely time out together.
func randomElectionTimeout() time.Duration {
	spread := int64(electionTimeoutMax - electionTimeoutMin)
	return electionTimeoutMin + time.Duration(rand.Int63n(spread))
}
