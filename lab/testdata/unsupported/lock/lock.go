package lock

import (
	"log"

	kvtest "6.5840/kvtest1"
)

type Lock struct{ ck kvtest.IKVClerk }

func MakeLock(ck kvtest.IKVClerk, l string) *Lock { return &Lock{ck: ck} }

func (lk *Lock) Acquire() { log.Fatalf("not done") }

func (lk *Lock) Release() {}
