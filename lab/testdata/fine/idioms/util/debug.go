// Package util is the student's own helper package.
package util

import (
	"bytes"
	"fmt"
	"log"
	"math/rand"
	"os"
	"time"

	"6.5840/labgob"
)

// Debug turns DPrintf on.
var Debug = true

// printed counts DPrintf calls: state that must start afresh in every run.
var printed int

// logFile is a debug log opened once and never closed, as students
// leave it.
var logFile, _ = os.OpenFile("kvsim-idioms-debug.log", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)

func DPrintf(format string, a ...any) {
	printed++
	if Debug {
		log.Printf("[%d %d] "+format, append([]any{printed, len(Snapshot(printed))}, a...)...)
		fmt.Fprintf(logFile, format+"\n", a...)
		// and a log opened at each call, as others write it
		f, err := os.OpenFile("kvsim-idioms-debug.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatalf("debug log: %v", err)
		}
		defer f.Close()
		fmt.Fprintf(f, format+"\n", a...)
	}
}

// Jitter is a backoff with random jitter, seeded from the clock as
// students do.
func Jitter(base time.Duration) time.Duration {
	return base + time.Duration(rand.Intn(10))*time.Millisecond
}

func init() {
	rand.Seed(time.Now().UnixNano())
	fmt.Println("util ready")
}

// Snapshot encodes v as the later labs' servers do.
func Snapshot(v any) []byte {
	var b bytes.Buffer
	labgob.NewEncoder(&b).Encode(v)
	return b.Bytes()
}
