package shardcfg

import (
	"cmp"
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
)

// NShards is the number of shards.
const NShards = 12

// Tshid is a shard, Tnum a configuration's number, Tgid a replica group.
type (
	Tshid int
	Tnum  int
	Tgid  int
)

// NumFirst is the first configuration's number; Gid1 the group that
// serves every shard in it.
const (
	NumFirst = Tnum(1)
	Gid1     = Tgid(1)
)

// Key2Shard is the shard that holds key.
func Key2Shard(key string) Tshid {
	h := fnv.New32a()
	h.Write([]byte(key))
	return Tshid(h.Sum32() % NShards)
}

// Config is a configuration: its number, the group of each shard (0:
// none), and each group's servers.
type Config struct {
	Num    Tnum
	Shards [NShards]Tgid
	Groups map[Tgid][]string
}

// First is the first configuration: group gid, whose servers are
// servers, serves every shard.
func First(gid Tgid, servers []string) *Config {
	return (&Config{Groups: map[Tgid][]string{}}).Join(gid, servers)
}

// String is the configuration as the controller stores it; JSON writes a
// map's keys sorted, so equal configurations are equal strings.
func (c *Config) String() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Config always marshals
	}
	return string(b)
}

// FromString is the configuration String wrote.
func FromString(s string) (*Config, error) {
	c := &Config{}
	if err := json.Unmarshal([]byte(s), c); err != nil {
		return nil, err
	}
	if c.Groups == nil {
		c.Groups = map[Tgid][]string{}
	}
	return c, nil
}

// Copy is a deep copy of c.
func (c *Config) Copy() *Config {
	d := &Config{Num: c.Num, Shards: c.Shards, Groups: make(map[Tgid][]string, len(c.Groups))}
	for gid, srvs := range c.Groups {
		d.Groups[gid] = slices.Clone(srvs)
	}
	return d
}

// Gids are the configuration's groups, sorted.
func (c *Config) Gids() []Tgid { return slices.Sorted(maps.Keys(c.Groups)) }

// Join is the next configuration: c with group gid, whose servers are
// servers, balanced.
func (c *Config) Join(gid Tgid, servers []string) *Config {
	d := c.Copy()
	d.Num++
	d.Groups[gid] = slices.Clone(servers)
	d.balance()
	return d
}

// Leave is the next configuration: c without group gid, balanced.
func (c *Config) Leave(gid Tgid) *Config {
	d := c.Copy()
	d.Num++
	delete(d.Groups, gid)
	d.balance()
	return d
}

// balance gives each group NShards/n shards, or one more, moving as few
// as it can: a shard of a group that is gone, or of a group with more
// than its share, goes to a group with less. The groups that keep one
// more are those that hold the most already (ties: the smaller gid), and
// a group gives up its highest shards first and takes the lowest free
// ones first.
func (c *Config) balance() {
	gids := c.Gids()
	if len(gids) == 0 {
		c.Shards = [NShards]Tgid{}
		return
	}
	count := map[Tgid]int{}
	for _, g := range c.Shards {
		if _, ok := c.Groups[g]; ok {
			count[g]++
		}
	}
	slices.SortStableFunc(gids, func(a, b Tgid) int { return cmp.Compare(count[b], count[a]) })
	target := map[Tgid]int{}
	for i, g := range gids {
		target[g] = NShards / len(gids)
		if i < NShards%len(gids) {
			target[g]++
		}
	}
	var free []Tshid
	for s := NShards - 1; s >= 0; s-- {
		g := c.Shards[s]
		if _, ok := c.Groups[g]; !ok || count[g] > target[g] {
			count[g]--
			free = append(free, Tshid(s))
			c.Shards[s] = 0
		}
	}
	slices.Sort(free)
	slices.Sort(gids)
	for _, g := range gids {
		for ; count[g] < target[g]; count[g]++ {
			c.Shards[free[0]] = g
			free = free[1:]
		}
	}
}
