package rpc

// The folder's own copy of the course's rpc package, whose PutArgs carries
// the clerk's id and a sequence number, for the server to recognise a
// resent Put: kvsim must carry them as the course's network does.

type Err string

const (
	OK         = "OK"
	ErrNoKey   = "ErrNoKey"
	ErrVersion = "ErrVersion"
	ErrMaybe   = "ErrMaybe"
)

type Tversion uint64

type PutArgs struct {
	Key      string
	Value    string
	Version  Tversion
	ClientId int64
	Seq      int64
}

type PutReply struct {
	Err Err
}

type GetArgs struct {
	Key string
}

type GetReply struct {
	Value   string
	Version Tversion
	Err     Err
}
