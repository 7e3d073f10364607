package raftcheck

import "testing"

func TestRPCCount(t *testing.T) {
	rpc := func(at int) Event { return Event{At: ms(at), Kind: RPC, Server: 1, Method: "Raft.AppendEntries"} }
	ok := []Event{rpc(1), {At: ms(2), Kind: Window, Server: -1, Name: "idle", Min: 1, Max: 2}, rpc(3), rpc(4), {At: ms(5), Kind: WindowEnd, Server: -1, Name: "idle"}, rpc(6)}
	feed(t, NewRPCCount(), ok, -1, "")

	many := []Event{{At: ms(2), Kind: Window, Server: -1, Name: "idle", Max: 2}, rpc(3), rpc(4), rpc(5)}
	feed(t, NewRPCCount(), many, 3, "idle: 3 requests handled since 2ms (this one Raft.AppendEntries), more than 2")

	few := []Event{{At: ms(2), Kind: Window, Server: -1, Name: "election", Min: 1, Max: 30}, {At: ms(5), Kind: WindowEnd, Server: -1, Name: "election"}}
	feed(t, NewRPCCount(), few, 1, "election: 0 requests handled since 2ms, fewer than 1")
}
