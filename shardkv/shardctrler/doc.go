// Package shardctrler is the sharded key/value service's controller (the
// course's shardkv1/shardctrler): it keeps the configuration in a
// key/value server of package kv, through package clerk's at-most-once
// clerk, and moves shards between groups when the configuration changes.
//
// Its one job is the change of configuration, safe when the controller
// crashes or is cut off mid-change and when two controllers race. It
// keeps two configurations under two keys: the current one (CurKey), which
// clients read (Query), and the next (NextKey), the change under way.
// ChangeConfigTo(new), for new numbered one past the current:
//
//  1. claims the number: a versioned Put of new at NextKey, at the
//     version it read; of two controllers racing, only one Put succeeds
//     (after ErrMaybe it reads NextKey back to learn whether its own did),
//     and the other gives up;
//  2. moves the shards whose group changes, in shard order: FreezeShard
//     of each at its old group, then InstallShard of each one's data at
//     its new group, all with new's number; a Freeze answered ErrVersion
//     means a newer configuration has moved the shard on, and the
//     controller gives up;
//  3. posts new at CurKey, at the version it read: clients now go to the
//     new groups, which hold the data;
//  4. deletes each moved shard at its old group.
//
// Every step is idempotent at the groups, so a controller that finds
// NextKey one number ahead of CurKey (InitController, at the start of a
// successor of one that crashed) runs steps 2-4 for it and finishes the
// change; a superseded controller that comes back does no harm: its
// Freezes are stale, its Installs and Deletes ignored. A controller that
// crashed after step 3 leaves its old groups' copies frozen, not deleted:
// InitController does not know the configuration before the current one.
//
// Flaw holds deliberate bugs, for the tests that show the scenarios find
// them.
package shardctrler
