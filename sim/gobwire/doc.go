// Package gobwire moves values the way net/rpc with encoding/gob moves
// them across a real network, without encoding them when it need not:
// only exported fields travel, and a field whose value is zero is not sent
// at all, so it leaves the receiver's field as it was. A server's decoder
// starts from fresh zero values (IntoZero); a caller's reply struct is the
// caller's own (Into), so a reused struct keeps the fields that a reply
// left zero, as over net/rpc.
//
// It is gob's decoding rule in one place: the simulator's network (package
// sim) and stress mode's in-process network both deliver through it. It
// uses the standard library only.
//
// Types made only of values copy through a program built once, by New:
// the offset and kind of every field gob would send. Types with pointers,
// slices, maps or interfaces, or with their own encoding, take a real gob
// round trip into the destination. A Value (NewValue) does the same for a
// type known only at run time, for dispatchers that find a service's
// methods by reflection.
package gobwire
