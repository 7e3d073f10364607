package labrt

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills a worker when its parent dies, even by SIGKILL: a
// worker spinning in student code would otherwise outlive it.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
