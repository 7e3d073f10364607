//go:build !linux

package campaign

import "os/exec"

// setDeathSignal does nothing here: Workers.Close kills the workers.
func setDeathSignal(*exec.Cmd) {}
