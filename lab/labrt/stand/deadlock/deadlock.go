// Package deadlock stands in for github.com/sasha-s/go-deadlock in course
// folders: its Mutex and RWMutex are the sync stand-in's, the simulator's,
// whose deadlocks kvsim reports with every blocked goroutine, where it
// waits and who holds its lock, by seed; the options the real package
// reads are accepted and ignored.
package deadlock

import (
	"io"
	"time"

	"github.com/kvsim/kvsim/lab/labrt/stand/sync"
)

type (
	Mutex     = sync.Mutex
	RWMutex   = sync.RWMutex
	Cond      = sync.Cond
	Locker    = sync.Locker
	Once      = sync.Once
	WaitGroup = sync.WaitGroup
)

// NewCond is sync.NewCond.
func NewCond(l Locker) *Cond { return sync.NewCond(l) }

// Opts are go-deadlock's options: accepted, and ignored.
var Opts = struct {
	Disable                   bool
	DisableLockOrderDetection bool
	DeadlockTimeout           time.Duration
	OnPotentialDeadlock       func()
	MaxMapSize                int
	PrintAllCurrentGoroutines bool
	LogBuf                    io.Writer
}{}
