package lock

import (
	"log"
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
)

// A lock that takes the lab's contract at its word: an ErrVersion from Put
// means the Put was not performed, so the lock is someone else's.

type Lock struct {
	ck  kvtest.IKVClerk
	key string
	id  string
}

func MakeLock(ck kvtest.IKVClerk, l string) *Lock {
	return &Lock{ck: ck, key: l, id: kvtest.RandValue(8)}
}

func (lk *Lock) Acquire() {
	for {
		val, ver, err := lk.ck.Get(lk.key)
		if err == rpc.OK && val == lk.id {
			log.Fatalf("Should never reach here: %s holds the lock it never took", lk.id)
		}
		if err == rpc.ErrNoKey || val == "" {
			switch lk.ck.Put(lk.key, lk.id, ver) {
			case rpc.OK:
				return
			case rpc.ErrMaybe:
				if got, _, _ := lk.ck.Get(lk.key); got == lk.id {
					return
				}
			}
			continue // ErrVersion: someone else's now
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (lk *Lock) Release() {
	for {
		val, ver, err := lk.ck.Get(lk.key)
		if err != rpc.OK || val != lk.id {
			return
		}
		if lk.ck.Put(lk.key, "", ver) == rpc.OK {
			return
		}
	}
}
