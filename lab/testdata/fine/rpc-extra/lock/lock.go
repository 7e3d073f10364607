package lock

import (
	"time"

	"6.5840/kvsrv1/rpc"
	kvtest "6.5840/kvtest1"
)

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
			return // an earlier Put that said ErrMaybe took the lock
		}
		if err == rpc.ErrNoKey || rpc.IsFree(val) {
			if lk.ck.Put(lk.key, lk.id, ver) == rpc.OK {
				return
			}
			continue // ErrMaybe: read again to learn who holds it
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
		if lk.ck.Put(lk.key, rpc.LockFree, ver) == rpc.OK {
			return
		}
	}
}
