package shardcfg_test

import (
	"fmt"
	"testing"

	"github.com/kvsim/kvsim/shardkv/shardcfg"
)

func servers(gid shardcfg.Tgid) []string {
	return []string{fmt.Sprintf("g%d-0", gid), fmt.Sprintf("g%d-1", gid), fmt.Sprintf("g%d-2", gid)}
}

// balanced reports why c is not balanced over its groups, or "".
func balanced(c *shardcfg.Config) string {
	count := map[shardcfg.Tgid]int{}
	for s, g := range c.Shards {
		if _, ok := c.Groups[g]; !ok && len(c.Groups) > 0 {
			return fmt.Sprintf("shard %d on group %d, not in the configuration", s, g)
		}
		count[g]++
	}
	lo, hi := shardcfg.NShards, 0
	for _, g := range c.Gids() {
		lo, hi = min(lo, count[g]), max(hi, count[g])
	}
	if len(c.Groups) > 0 && hi-lo > 1 {
		return fmt.Sprintf("groups hold %d to %d shards", lo, hi)
	}
	return ""
}

// moves is how many shards changed group from a to b, and the fewest
// that balance allows: each group keeps what it holds up to its share.
func moves(a, b *shardcfg.Config) (moved, least int) {
	kept := map[shardcfg.Tgid]int{}
	share := map[shardcfg.Tgid]int{}
	for s := range a.Shards {
		if a.Shards[s] != b.Shards[s] {
			moved++
		} else {
			kept[a.Shards[s]]++
		}
	}
	for _, g := range b.Shards {
		share[g]++
	}
	held := map[shardcfg.Tgid]int{}
	for _, g := range a.Shards {
		if _, ok := b.Groups[g]; ok {
			held[g]++
		}
	}
	stay := 0
	for _, g := range b.Gids() {
		stay += min(held[g], share[g])
	}
	return moved, shardcfg.NShards - stay
}

// TestJoinLeave: every sequence of joins and leaves of up to 5 groups
// (all orders of a few dozen steps) keeps the configuration balanced,
// numbered one past the last, and moves no more shards than balance
// needs; the same steps give the same configuration.
func TestJoinLeave(t *testing.T) {
	c := shardcfg.First(shardcfg.Gid1, servers(shardcfg.Gid1))
	if c.Num != shardcfg.NumFirst || c.Shards != [shardcfg.NShards]shardcfg.Tgid{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1} {
		t.Fatalf("first configuration %v", c)
	}
	for step := range 200 {
		gid := shardcfg.Tgid(step*7%5 + 1)
		var next *shardcfg.Config
		if _, in := c.Groups[gid]; in && len(c.Groups) > 1 {
			next = c.Leave(gid)
		} else {
			next = c.Join(gid, servers(gid))
		}
		if next.Num != c.Num+1 {
			t.Fatalf("step %d: %d after %d", step, next.Num, c.Num)
		}
		if why := balanced(next); why != "" {
			t.Fatalf("step %d: %v: %s", step, next, why)
		}
		if moved, least := moves(c, next); moved != least {
			t.Fatalf("step %d: %v to %v moved %d shards, %d would do", step, c, next, moved, least)
		}
		again, err := shardcfg.FromString(next.String())
		if err != nil || again.String() != next.String() {
			t.Fatalf("step %d: %v read back as %v, %v", step, next, again, err)
		}
		c = next
	}
}

func ExampleConfig_Join() {
	c := shardcfg.First(1, servers(1))
	c = c.Join(2, servers(2))
	fmt.Println(c.Num, c.Shards)
	c = c.Join(3, servers(3))
	fmt.Println(c.Num, c.Shards)
	c = c.Leave(1)
	fmt.Println(c.Num, c.Shards)
	// Output:
	// 2 [1 1 1 1 1 1 2 2 2 2 2 2]
	// 3 [1 1 1 1 3 3 2 2 2 2 3 3]
	// 4 [2 2 3 3 3 3 2 2 2 2 3 3]
}
