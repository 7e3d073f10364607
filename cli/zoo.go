package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/kvsim/kvsim/zoo"
	"github.com/spf13/cobra"
)

type zooFlags struct {
	names, measure bool
	starts         int
	maxSeeds       uint64
}

func newZooCmd(cat campaign.Catalogue) *cobra.Command {
	var fl zooFlags
	cmd := &cobra.Command{
		Use:   "zoo [--names | --measure [--starts K] [--max-seeds M]]",
		Short: "Describe the bug zoo, or measure how fast campaigns find each bug",
		Long: `Describe the bug zoo: implementations with one realistic mistake each.
Run one with 'kvsim campaign --impl zoo/NAME'.

--measure runs, for every bug, campaigns of every scenario under swarm
faults from K starting seeds (0, 100000, 200000, ...) and reports the median
number of seeds and wall time to the first failure. The seed count does not
depend on the machine: a campaign always reports its lowest failing seed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			changed := cmd.Flags().Changed
			switch {
			case fl.names && fl.measure:
				return usagef("--names and --measure do not go together")
			case !fl.measure && (changed("starts") || changed("max-seeds")):
				return usagef("--starts and --max-seeds go with --measure")
			case fl.starts < 1 || fl.maxSeeds < 1:
				return usagef("--starts and --max-seeds must be at least 1")
			}
			bugs := zooOf(cat)
			switch {
			case fl.names:
				for _, im := range bugs {
					fmt.Fprintln(out, im.Name)
				}
				return nil
			case fl.measure:
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				return measureZoo(ctx, out, cat, bugs, fl.starts, fl.maxSeeds)
			}
			describeZoo(out, bugs)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fl.names, "names", false, "print only the names, one a line")
	f.BoolVar(&fl.measure, "measure", false, "measure the seeds and wall time a campaign takes to find each bug")
	f.IntVar(&fl.starts, "starts", 5, "with --measure: starting seeds to take the median over")
	f.Uint64Var(&fl.maxSeeds, "max-seeds", 100000, "with --measure: give up on a start after this many seeds")
	return cmd
}

func describeZoo(w io.Writer, zoo []kvsim.Impl) {
	if len(zoo) == 0 {
		fmt.Fprintln(w, "the zoo is empty")
		return
	}
	for _, im := range zoo {
		fmt.Fprintln(w, im.Name)
		for _, line := range wrap(im.Doc, 76) {
			fmt.Fprintln(w, "    "+line)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d bugs. Run one: kvsim campaign --scenario all --faults swarm --seeds 1000 --impl %s\n", len(zoo), zoo[0].Name)
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// detection is how one campaign from one start found a bug, if it did.
type detection struct {
	found    bool
	seeds    uint64 // seeds run up to and including the first failing one
	wall     time.Duration
	caughtBy string // "scenario verdict" of the first failure
}

// measureStride separates the starting seeds, so that the campaigns of one
// bug run disjoint seeds.
const measureStride = 100000

// zooOf is the catalogue's bug zoo: its implementations named zoo/...
func zooOf(cat campaign.Catalogue) []kvsim.Impl {
	var bugs []kvsim.Impl
	for _, im := range cat.Impls {
		if strings.HasPrefix(im.Name, zoo.Prefix) {
			bugs = append(bugs, im)
		}
	}
	slices.SortFunc(bugs, func(a, b kvsim.Impl) int { return strings.Compare(a.Name, b.Name) })
	return bugs
}

func measureZoo(ctx context.Context, w io.Writer, cat campaign.Catalogue, bugs []kvsim.Impl, starts int, maxSeeds uint64) error {
	defer manyRunsGC()()
	stride := max(measureStride, maxSeeds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "BUG\tFOUND\tSEEDS (median)\tWALL (median)\tFIRST CAUGHT BY\n")
	for _, im := range bugs {
		if strings.HasPrefix(im.Name, zoo.RacePrefix) {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tstress mode only: go run -race ./cmd/kvsim stress --impl %s\n", im.Name, im.Name)
			continue
		}
		runs, err := cat.Runs(nil, scenarios.SwarmName, im)
		if err != nil {
			return err
		}
		var ds []detection
		for i := range starts {
			start := uint64(i) * stride
			sum, err := campaign.Run(ctx, campaign.Config{Runs: runs, Start: start, Seeds: maxSeeds})
			if err != nil {
				return err
			}
			if sum.Interrupted {
				tw.Flush()
				fmt.Fprintln(w, "interrupted")
				return errInterrupted
			}
			d := detection{found: sum.Failed > 0, seeds: uint64(sum.Seeds), wall: sum.Elapsed}
			if d.found {
				first := sum.Failures[0]
				d.seeds = first.Seed - start + 1
				d.caughtBy = first.Scenario + " " + string(first.Verdict)
			}
			ds = append(ds, d)
		}
		fmt.Fprintf(tw, "%s\t%s\n", im.Name, summarizeDetections(ds, maxSeeds))
	}
	return tw.Flush()
}

// summarizeDetections gives the FOUND, SEEDS, WALL and FIRST CAUGHT BY
// columns. A start that found nothing counts as slower than any that did;
// the median is the lower one for an even count.
func summarizeDetections(ds []detection, maxSeeds uint64) string {
	found := 0
	caught := map[string]int{}
	for _, d := range ds {
		if d.found {
			found++
			caught[d.caughtBy]++
		}
	}
	slower := func(a, b detection) bool { return !a.found && b.found }
	bySeeds := slices.Clone(ds)
	slices.SortStableFunc(bySeeds, func(a, b detection) int {
		switch {
		case slower(a, b):
			return 1
		case slower(b, a):
			return -1
		}
		return cmp.Compare(a.seeds, b.seeds)
	})
	byWall := slices.Clone(ds)
	slices.SortStableFunc(byWall, func(a, b detection) int {
		switch {
		case slower(a, b):
			return 1
		case slower(b, a):
			return -1
		}
		return cmp.Compare(a.wall, b.wall)
	})
	mid := (len(ds) - 1) / 2
	seeds, wall := fmt.Sprint(bySeeds[mid].seeds), byWall[mid].wall.Round(time.Millisecond).String()
	if !bySeeds[mid].found {
		seeds = fmt.Sprintf(">%d", maxSeeds)
	}
	if !byWall[mid].found {
		wall = ">" + wall
	}
	var by []string
	for name := range caught {
		by = append(by, name)
	}
	slices.SortFunc(by, func(a, b string) int {
		if caught[a] != caught[b] {
			return caught[b] - caught[a]
		}
		return strings.Compare(a, b)
	})
	for i, name := range by {
		by[i] = fmt.Sprintf("%s x%d", name, caught[name])
	}
	if len(by) == 0 {
		by = []string{"-"}
	}
	return fmt.Sprintf("%d/%d\t%s\t%s\t%s", found, len(ds), seeds, wall, strings.Join(by, ", "))
}
