package scenarios

import (
	"slices"
	"strings"
)

// Zoo returns the bug zoo, by name: implementations with one realistic mistake each,
// in exactly one component (server, clerk or lock; the other two are the
// reference's). Each Doc says what the mistake is and which check catches
// it; the code of each sits in zoo_server.go, zoo_clerk.go and zoo_lock.go
// with a "BUG:" comment at the faulty line.
func Zoo() []Impl {
	var zoo []Impl
	zoo = append(zoo, zooServers()...)
	zoo = append(zoo, zooClerks()...)
	zoo = append(zoo, zooLocks()...)
	slices.SortFunc(zoo, func(a, b Impl) int { return strings.Compare(a.Name, b.Name) })
	return zoo
}
