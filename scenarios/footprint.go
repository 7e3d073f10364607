package scenarios

import "github.com/kvsim/kvsim/check"

// Footprint estimates the bytes reachable from v (see check.Footprint),
// as the memory check measures a server.
func Footprint(v any) int { return check.Footprint(v) }
