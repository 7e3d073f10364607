// Package tester is kvsim lab's stand-in for the course's 6.5840/tester1 in
// a raft1 or a kvraft1 folder: the Persister a Raft saves its state in,
// kept across its machine's crashes by kvsim's harness; what a kvraft1
// server and clerk name (Clnt, Tgid, IService); and the annotations the
// course's tester draws, which kvsim leaves to its own trace.
package tester

import (
	"github.com/kvsim/kvsim/lab/labrt"
	"github.com/kvsim/kvsim/raft/harness"
)

// Persister is a server's stable storage.
type Persister = harness.Persister

// Clnt is a client's end of the network: Call(server, method, args, reply).
type Clnt = labrt.Clnt

// Tgid identifies a group of servers; a kvraft1 cluster is group GRP0.
type Tgid int

// GRP0 is the kvraft1 cluster's group.
const GRP0 = 0

// ServerName is the name of server i of group gid, as kvsim's run names
// its servers: in a shardkv1 folder, GRP0's server is the controller's
// key/value server.
func ServerName(gid Tgid, i int) string { return labrt.ServerName(int(gid), i) }

// Randstring is n random characters, drawn from the run's seed (the
// course's are random base64, used for ids).
func Randstring(n int) string { return labrt.RandValue(n) }

// IService is a service the tester can stop: what the 2025 skeleton's
// StartKVServer returns.
type IService interface{ Kill() }

// TesterClnt is the 2026 skeleton's handle on the tester, which its
// NewServer takes; kvsim calls StartKVServer instead.
type TesterClnt struct{}

// The 2026 skeleton's tester settings, set by its command-line flags
// there and never here: its rsm plugs in no other Raft, and its
// NewServer's maxraftstate (kvsim passes its own to StartKVServer).
var (
	UseRaftStateMachine bool
	MaxRaftState        = -1
)

// The annotation functions of the course's tester mark its
// visualization; kvsim's trace has its own, so they do nothing here.

func Annotate(tag, desp, details string)                                           {}
func AnnotatePointColor(tag, desp, details, bgcolor string)                        {}
func AnnotateInterval(tag string, start int64, desp, details string)               {}
func AnnotateIntervalColor(tag string, start int64, desp, details, bgcolor string) {}
func AnnotateContinuous(tag, desp, details string)                                 {}
func AnnotateContinuousColor(tag, desp, details, bgcolor string)                   {}
func AnnotateContinuousEnd(tag string)                                             {}
func AnnotateInfo(desp, details string)                                            {}
func AnnotateInfoInterval(start int64, desp, details string)                       {}
func AnnotateTest(desp string, nservers int)                                       {}
func AnnotateCheckerBegin(details string)                                          {}
func AnnotateCheckerEnd(desp, details, color string)                               {}
func AnnotateCheckerSuccess(desp, details string)                                  {}
func AnnotateCheckerFailure(desp, details string)                                  {}
func AnnotateCheckerNeutral(desp, details string)                                  {}
func AnnotateCheckerFailureBeforeExit(desp, details string)                        {}
func AnnotateConnection(connection []bool)                                         {}
func AnnotateTwoPartitions(p1, p2 []int)                                           {}
func AnnotateClearFailure()                                                        {}
func SetAnnotationFinalized()                                                      {}
func GetAnnotationFinalized() bool                                                 { return false }
func GetAnnotateTimestamp() int64                                                  { return 0 }
