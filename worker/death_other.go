//go:build !linux

package worker

import "os/exec"

// setDeathSignal does nothing here: Pool.Close kills the workers.
func setDeathSignal(*exec.Cmd) {}
