// Package scratch is a student's scratch work, which nothing in the
// folder imports: it does not build (an undefined name), and it dials a
// real network, which kvsim refuses in code it runs. go build leaves it
// out of the course's tests, and kvsim out of its build.
package scratch

import "net"

// Dial tries a real connection.
func Dial() error {
	c, err := net.Dial("tcp", "localhost:1")
	if err != nil {
		return err
	}
	return closeIt(c)
}
