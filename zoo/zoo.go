package zoo

import (
	"slices"
	"strings"

	"github.com/kvsim/kvsim"
)

// Prefix starts the name of every implementation in the zoo.
const Prefix = "zoo/"

// All returns the bug zoo, sorted by name. The code of each bug sits in
// server.go, clerk.go and lock.go with a "BUG:" comment at the faulty line.
func All() []kvsim.Impl {
	var zoo []kvsim.Impl
	zoo = append(zoo, servers()...)
	zoo = append(zoo, clerks()...)
	zoo = append(zoo, locks()...)
	zoo = append(zoo, subtle()...)
	slices.SortFunc(zoo, func(a, b kvsim.Impl) int { return strings.Compare(a.Name, b.Name) })
	return zoo
}
