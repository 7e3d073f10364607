package ref

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
)

// persist saves the term, the vote, the snapshot's index and term and the
// log, with the snapshot; mu is held. The encoding of the entries is kept
// between calls (encLog), so that after an append only the new entries
// are encoded; whatever cuts the log back says so (forget).
func (rf *Raft) persist() {
	for k := len(rf.encAt) + 1; k < len(rf.log); k++ {
		e := &rf.log[k]
		if e.enc == nil {
			e.enc = appendCommand(nil, e.Command)
		}
		rf.encAt = append(rf.encAt, len(rf.encLog))
		rf.encLog = binary.AppendUvarint(rf.encLog, uint64(e.Term))
		rf.encLog = append(rf.encLog, e.enc...)
	}
	vote := rf.votedFor
	if rf.flaws&forgetVote != 0 {
		vote = -1
	}
	b := rf.encBuf[:0]
	b = binary.AppendUvarint(b, uint64(rf.term))
	b = binary.AppendVarint(b, int64(vote))
	b = binary.AppendUvarint(b, uint64(rf.base))
	b = binary.AppendUvarint(b, uint64(rf.log[0].Term))
	b = binary.AppendUvarint(b, uint64(len(rf.log)-1))
	b = append(b, rf.encLog...)
	rf.encBuf = b
	rf.ps.Save(b, rf.snapshot)
}

// forget drops the kept encoding of the log from position k (of rf.log)
// on; mu is held.
func (rf *Raft) forget(k int) {
	if k < 1 {
		k = 1
	}
	if k-1 < len(rf.encAt) {
		rf.encLog = rf.encLog[:rf.encAt[k-1]]
		rf.encAt = rf.encAt[:k-1]
	}
}

// restore reads what persist saved (nothing, on a first start).
func (rf *Raft) restore(b []byte) {
	if len(b) == 0 {
		return
	}
	r := reader{b: b}
	rf.term = int(r.uvarint())
	rf.votedFor = int(r.varint())
	rf.base = int(r.uvarint())
	baseTerm := int(r.uvarint())
	n := int(r.uvarint())
	if r.err == nil && n > len(r.b) {
		r.fail("too many entries")
	}
	if r.err == nil {
		rf.log = make([]Entry, 1+n)
		rf.log[0].Term = baseTerm
		for i := 1; i <= n; i++ {
			rf.log[i].Term = int(r.uvarint())
			rf.log[i].Command = r.command()
		}
	}
	if r.err != nil || len(r.b) != 0 {
		panic(fmt.Sprintf("ref: s%d cannot read its persisted state (%d bytes): %v", rf.me, len(b), r.err))
	}
}

// Commands are kept as compactly as they come: nothing, an int, a
// string, or anything else through gob (whose concrete types must be
// registered with gob, as the course's labgob requires).
const (
	cmdNil byte = iota
	cmdInt
	cmdString
	cmdGob
)

func appendCommand(b []byte, cmd any) []byte {
	switch c := cmd.(type) {
	case nil:
		return append(b, cmdNil)
	case int:
		return binary.AppendVarint(append(b, cmdInt), int64(c))
	case string:
		b = binary.AppendUvarint(append(b, cmdString), uint64(len(c)))
		return append(b, c...)
	}
	return appendGob(b, cmd)
}

// appendGob is appendCommand for a command gob encodes: a function of its
// own, so that only these commands escape to the heap.
func appendGob(b []byte, cmd any) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&cmd); err != nil {
		panic(fmt.Sprintf("ref: cannot persist a command of type %T: %v", cmd, err))
	}
	b = binary.AppendUvarint(append(b, cmdGob), uint64(buf.Len()))
	return append(b, buf.Bytes()...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("a bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("a bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("a short string")
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) command() any {
	if len(r.b) == 0 {
		r.fail("no command")
		return nil
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case cmdNil:
		return nil
	case cmdInt:
		return int(r.varint())
	case cmdString:
		return string(r.bytes())
	case cmdGob:
		var cmd any
		if err := gob.NewDecoder(bytes.NewReader(r.bytes())).Decode(&cmd); err != nil {
			r.fail(err.Error())
		}
		return cmd
	}
	r.fail(fmt.Sprintf("a bad command tag %d", tag))
	return nil
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s", what)
	}
	r.b = nil
}
