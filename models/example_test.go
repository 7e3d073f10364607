package models_test

import (
	"fmt"

	"github.com/kvsim/kvsim/models"
)

// Two clients race to update k1 from version 1. The Put that returned
// ErrMaybe may or may not have taken effect; the last Get shows that it did
// not, which is linearizable. A Get that claims version 3 is not: no Put could have made it.
func Example() {
	history := `
		c0 [1,2] put(k1, "a", v0) -> OK
		c0 [3,6] put(k1, "b", v1) -> OK
		c1 [4,5] put(k1, "c", v1) -> ErrMaybe
		c1 [7,8] get(k1) -> "b"@v2
	`
	ops, err := models.ParseKV(history)
	if err != nil {
		panic(err)
	}
	r := models.CheckKV(ops, 0)
	fmt.Println(r.Verdict, "-", r.Reason)

	ops[3].Output.Version = 3
	r = models.CheckKV(ops, 0)
	fmt.Println(r.Verdict, "-", r.Reason)
	// Output:
	// Ok - linearizable (4 ops)
	// Violation - key k1 is not linearizable: get(k1) -> "b"@v3 [7,8] needs a put at v2, and there is none in the history
}

// A stale read in a history of four operations: the checker shrinks the
// violation to the two that cannot be ordered and says why.
func ExampleCheckKV_core() {
	ops, err := models.ParseKV(`
		c0 [10,20] put(k, "a", v0) -> OK
		c1 [30,40] put(k, "b", v1) -> OK
		c1 [41,45] get(k) -> "b"@v2
		c2 [52,60] get(k) -> "a"@v1
	`)
	if err != nil {
		panic(err)
	}
	r := models.CheckKV(ops, 0)
	fmt.Println(r.Verdict, r.Core)
	fmt.Println(r.Reason)
	fmt.Print(models.FormatKV([]models.KVOp{ops[r.Core[0]], ops[r.Core[1]]}))
	// Output:
	// Violation [1 3]
	// key k is not linearizable: put(k, "b", v1) -> OK returned at t=40 before get(k) -> "a"@v1 was called at t=52: the get saw a state already overwritten
	// c1 [30,40] put(k, "b", v1) -> OK
	// c2 [52,60] get(k) -> "a"@v1
}
