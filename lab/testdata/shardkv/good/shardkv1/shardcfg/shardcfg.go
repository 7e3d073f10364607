package shardcfg

// A configuration assigns each of the NShards shards to a replica group
// and lists each group's servers. Every change makes a new configuration
// with the next number. The controller stores a configuration as its
// JSON string.

import (
	"encoding/json"
	"hash/fnv"
	"log"
	"sort"
	"testing"

	tester "6.5840/tester1"
)

type Tshid int
type Tnum int

const (
	NShards  = 12
	NumFirst = Tnum(1)
)

const Gid1 = tester.Tgid(1)

// Key2Shard is the shard that holds key (FNV-1a, 32 bits, modulo NShards).
func Key2Shard(key string) Tshid {
	h := fnv.New32a()
	h.Write([]byte(key))
	return Tshid(Tshid(h.Sum32()) % NShards)
}

type ShardConfig struct {
	Num    Tnum                     // configuration number
	Shards [NShards]tester.Tgid     // shard -> gid (0: no group)
	Groups map[tester.Tgid][]string // gid -> servers
}

func MakeShardConfig() *ShardConfig {
	return &ShardConfig{Groups: map[tester.Tgid][]string{}}
}

func (cfg *ShardConfig) String() string {
	b, err := json.Marshal(cfg)
	if err != nil {
		log.Fatalf("shardcfg: marshal: %v", err)
	}
	return string(b)
}

func FromString(s string) *ShardConfig {
	cfg := MakeShardConfig()
	if err := json.Unmarshal([]byte(s), cfg); err != nil {
		log.Fatalf("shardcfg: unmarshal %q: %v", s, err)
	}
	if cfg.Groups == nil {
		cfg.Groups = map[tester.Tgid][]string{}
	}
	return cfg
}

func (cfg *ShardConfig) Copy() *ShardConfig {
	c := MakeShardConfig()
	c.Num = cfg.Num
	c.Shards = cfg.Shards
	for gid, srvs := range cfg.Groups {
		c.Groups[gid] = append([]string(nil), srvs...)
	}
	return c
}

// sortedGids lists the groups in increasing order, so that balancing never
// depends on the order of a map's iteration.
func (cfg *ShardConfig) sortedGids() []tester.Tgid {
	gids := make([]tester.Tgid, 0, len(cfg.Groups))
	for gid := range cfg.Groups {
		gids = append(gids, gid)
	}
	sort.Slice(gids, func(i, j int) bool { return gids[i] < gids[j] })
	return gids
}

// Join adds the groups in servers and bumps Num; it returns false, and
// changes nothing, if one of them is already present.
func (cfg *ShardConfig) Join(servers map[tester.Tgid][]string) bool {
	if len(servers) == 0 {
		return false
	}
	for gid := range servers {
		if _, ok := cfg.Groups[gid]; ok {
			log.Printf("shardcfg: join of %v, already present", gid)
			return false
		}
	}
	for gid, srvs := range servers {
		cfg.Groups[gid] = append([]string(nil), srvs...)
	}
	cfg.Num++
	return true
}

// Leave removes the groups gids and bumps Num; it returns false, and
// changes nothing, if one of them is not present.
func (cfg *ShardConfig) Leave(gids []tester.Tgid) bool {
	if len(gids) == 0 {
		return false
	}
	for _, gid := range gids {
		if _, ok := cfg.Groups[gid]; !ok {
			log.Printf("shardcfg: leave of %v, not present", gid)
			return false
		}
	}
	for _, gid := range gids {
		delete(cfg.Groups, gid)
	}
	cfg.Num++
	return true
}

// Rebalance gives every group NShards/n shards or one more, moving as
// few shards as it can: shards of groups that are gone and shards past a
// group's share are handed to the groups below their share.
func (cfg *ShardConfig) Rebalance() {
	gids := cfg.sortedGids()
	if len(gids) == 0 {
		for s := range cfg.Shards {
			cfg.Shards[s] = 0
		}
		return
	}

	count := map[tester.Tgid]int{}
	for _, gid := range cfg.Shards {
		if _, ok := cfg.Groups[gid]; ok {
			count[gid]++
		}
	}

	// The groups that hold the most keep the extra shards.
	order := append([]tester.Tgid(nil), gids...)
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	want := map[tester.Tgid]int{}
	for i, gid := range order {
		want[gid] = NShards / len(gids)
		if i < NShards%len(gids) {
			want[gid]++
		}
	}

	// Free what has no group or is over its group's share.
	free := []int{}
	for s := NShards - 1; s >= 0; s-- {
		gid := cfg.Shards[s]
		_, ok := cfg.Groups[gid]
		if !ok || count[gid] > want[gid] {
			if ok {
				count[gid]--
			}
			cfg.Shards[s] = 0
			free = append(free, s)
		}
	}
	sort.Ints(free)

	for _, gid := range gids {
		for count[gid] < want[gid] {
			cfg.Shards[free[0]] = gid
			free = free[1:]
			count[gid]++
		}
	}
}

func (cfg *ShardConfig) JoinBalance(servers map[tester.Tgid][]string) bool {
	if !cfg.Join(servers) {
		return false
	}
	cfg.Rebalance()
	return true
}

func (cfg *ShardConfig) LeaveBalance(gids []tester.Tgid) bool {
	if !cfg.Leave(gids) {
		return false
	}
	cfg.Rebalance()
	return true
}

// GidServers is the group of shard sh and its servers; false if the shard
// has no group in cfg.
func (cfg *ShardConfig) GidServers(sh Tshid) (tester.Tgid, []string, bool) {
	gid := cfg.Shards[sh]
	srvs, ok := cfg.Groups[gid]
	return gid, srvs, ok
}

// IsMember says whether group gid serves a shard in cfg.
func (cfg *ShardConfig) IsMember(gid tester.Tgid) bool {
	for _, g := range cfg.Shards {
		if g == gid {
			return true
		}
	}
	return false
}

// CheckConfig fails t unless cfg has exactly the groups groups, gives
// every shard to one of them, and is balanced.
func (cfg *ShardConfig) CheckConfig(t *testing.T, groups []tester.Tgid) {
	if len(cfg.Groups) != len(groups) {
		t.Fatalf("wanted %v groups, got %v", len(groups), len(cfg.Groups))
	}
	for _, gid := range groups {
		if _, ok := cfg.Groups[gid]; !ok {
			t.Fatalf("missing group %v", gid)
		}
	}
	if len(groups) == 0 {
		return
	}
	count := map[tester.Tgid]int{}
	for s, gid := range cfg.Shards {
		if _, ok := cfg.Groups[gid]; !ok {
			t.Fatalf("shard %v -> invalid group %v", s, gid)
		}
		count[gid]++
	}
	lo, hi := NShards, 0
	for gid := range cfg.Groups {
		lo = min(lo, count[gid])
		hi = max(hi, count[gid])
	}
	if hi > lo+1 {
		t.Fatalf("max %v too much larger than min %v", hi, lo)
	}
}
