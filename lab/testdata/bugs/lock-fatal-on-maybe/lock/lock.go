package lock

import (
	"log"
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
)

type Lock struct {
	ck  kvtest.IKVClerk
	key string
	id  string
}

// unlocked is the lock key's value when nobody holds it.
const unlocked = ""

func MakeLock(ck kvtest.IKVClerk, l string) *Lock {
	return &Lock{ck: ck, key: l, id: kvtest.RandValue(8)}
}

func (lk *Lock) Acquire() {
	for {
		val, ver, err := lk.ck.Get(lk.key)
		if err == rpc.OK && val == lk.id {
			return // an earlier Put that said ErrMaybe took the lock
		}
		if err == rpc.ErrNoKey || val == unlocked {
			switch err := lk.ck.Put(lk.key, lk.id, ver); err {
			case rpc.OK:
				return
			case rpc.ErrMaybe:
				log.Fatalf("Put of the lock returned %v: should never happen", err)
			}
			continue // ErrVersion: someone else took it
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (lk *Lock) Release() {
	for {
		val, ver, err := lk.ck.Get(lk.key)
		if err != rpc.OK || val != lk.id {
			return // not ours (any more)
		}
		if lk.ck.Put(lk.key, unlocked, ver) == rpc.OK {
			return
		}
	}
}
