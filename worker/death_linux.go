package worker

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills a worker process when kvsim dies, even by SIGKILL:
// one spinning in the code under test would otherwise outlive it.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
