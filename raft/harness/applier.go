package harness

import (
	"encoding/binary"
	"fmt"

	"github.com/kvsim/kvsim/raft/raftcheck"
	"github.com/kvsim/kvsim/sim"
)

// applier reads server i's applyCh for one incarnation, as the course's
// tester does: each command and snapshot goes to the checks and to what
// the tester knows the server applied; with Snapshots, every
// SnapshotEvery commands it asks Raft for a snapshot of what it applied.
func (c *Cluster) applier(i int, inc *incarnation, applyCh *sim.Chan[ApplyMsg]) {
	s := c.servers[i]
	for m := range sim.Range(c.w, applyCh) {
		switch {
		case m.SnapshotValid && c.cfg.Snapshots:
			c.ingest(i, m.Snapshot, m.SnapshotIndex, m.SnapshotTerm)
		case m.CommandValid:
			c.observe(raftcheck.Event{Kind: raftcheck.Apply, Server: i, Index: m.CommandIndex, Command: m.Command})
			s.record(m.CommandIndex, m.Command)
			if c.cfg.Snapshots && (m.CommandIndex+1)%SnapshotEvery == 0 {
				inc.rf.Snapshot(m.CommandIndex, encodeSnapshot(m.CommandIndex, s.logs, s.have))
			}
		}
	}
}

// record notes that the server's incarnation applied cmd at index.
func (s *server) record(index int, cmd any) {
	for len(s.logs) <= index {
		s.logs, s.have = append(s.logs, nil), append(s.have, false)
	}
	s.logs[index], s.have[index] = cmd, true
}

// ingest installs snapshot snap, which Raft says covers index (-1: the
// snapshot a restarted server starts from, as its Persister holds it),
// as what server i applied.
func (c *Cluster) ingest(i int, snap []byte, index, term int) {
	last, cmds, err := decodeSnapshot(snap)
	if err != nil {
		c.fail(&raftcheck.Violation{Check: "state-machine-safety", At: c.w.Now(), Server: i, Term: term, Index: index,
			What: fmt.Sprintf("applied a snapshot the tester did not make: %v", err)})
	}
	if index < 0 {
		index = last
	}
	c.observe(raftcheck.Event{Kind: raftcheck.Snapshot, Server: i, Term: term, Index: index, Commands: cmds})
	s := c.servers[i]
	s.logs, s.have = s.logs[:0], s.have[:0]
	for j, cmd := range cmds {
		s.record(j, cmd)
	}
}

// encodeSnapshot is the tester's snapshot of everything applied up to
// index: the index, then each command (the tester's commands are ints).
func encodeSnapshot(index int, logs []any, have []bool) []byte {
	b := binary.AppendUvarint(nil, uint64(index))
	for j := 0; j <= index; j++ {
		if j >= len(logs) || !have[j] || logs[j] == nil {
			b = append(b, 0)
			continue
		}
		cmd, ok := logs[j].(int)
		if !ok {
			panic(fmt.Sprintf("harness: a snapshot holds int commands, not %T", logs[j]))
		}
		b = append(b, 1)
		b = binary.AppendVarint(b, int64(cmd))
	}
	return b
}

// decodeSnapshot reads what encodeSnapshot wrote: the last index, and the
// commands from index 0 (nil where none was applied).
func decodeSnapshot(b []byte) (int, []any, error) {
	index, n := binary.Uvarint(b)
	if n <= 0 || index > uint64(len(b)) {
		return 0, nil, fmt.Errorf("no index in %d bytes", len(b))
	}
	b = b[n:]
	cmds := make([]any, 0, index+1)
	for range index + 1 {
		if len(b) == 0 {
			return 0, nil, fmt.Errorf("%d of %d commands", len(cmds), index+1)
		}
		tag := b[0]
		b = b[1:]
		switch tag {
		case 0:
			cmds = append(cmds, nil)
		case 1:
			v, n := binary.Varint(b)
			if n <= 0 {
				return 0, nil, fmt.Errorf("a bad command at index %d", len(cmds))
			}
			cmds = append(cmds, int(v))
			b = b[n:]
		default:
			return 0, nil, fmt.Errorf("a bad tag %d at index %d", tag, len(cmds))
		}
	}
	if len(b) != 0 {
		return 0, nil, fmt.Errorf("%d bytes left over", len(b))
	}
	return int(index), cmds, nil
}
