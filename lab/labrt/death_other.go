//go:build !linux

package labrt

import "os/exec"

// setDeathSignal does nothing here: the program kills its workers on exit.
func setDeathSignal(*exec.Cmd) {}
