package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/kvsim/kvsim/campaign"
	"github.com/kvsim/kvsim/scenarios"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports a running campaign on stderr: a bar on a terminal,
// otherwise a plain line every few seconds (CI logs keep every line).
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar // nil when w is not a terminal
	perSeed  int                      // runs per seed
	total    uint64                   // seeds this shard runs; 0 when --duration bounds it
	deadline time.Time                // zero unless --duration bounds it
	start    time.Time
	last     time.Time // of the last plain line
	runs     int
	failed   int
}

const progressEvery = 5 * time.Second

func newProgress(w io.Writer, cfg campaign.Config) *progress {
	p := &progress{w: w, perSeed: len(cfg.Runs), total: cfg.ShardSeeds(), start: time.Now()}
	p.last = p.start
	if cfg.Duration > 0 {
		p.deadline = p.start.Add(cfg.Duration)
	}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		limit := int64(p.total)
		if p.total == 0 {
			limit = -1 // a spinner: only time bounds the campaign
		}
		p.bar = progressbar.NewOptions64(limit,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("0 failed"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("seeds"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// add counts one run. The runs of a seed arrive together, so every
// perSeed runs is one seed done.
func (p *progress) add(r scenarios.Result) {
	p.runs++
	if r.Failed() {
		p.failed++
		if p.bar != nil {
			p.bar.Describe(fmt.Sprintf("%d failed", p.failed))
		}
	}
	if p.runs%p.perSeed != 0 {
		return
	}
	if p.bar != nil {
		p.bar.Add(1)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintln(p.w, p.line(now))
	}
}

func (p *progress) line(now time.Time) string {
	seeds := p.runs / p.perSeed
	elapsed := now.Sub(p.start)
	rate := float64(seeds) / elapsed.Seconds()
	switch {
	case p.total > 0:
		return fmt.Sprintf("campaign: %d/%d seeds (%.0f%%), %.0f seeds/s, %d failed, ETA %s",
			seeds, p.total, 100*float64(seeds)/float64(p.total), rate, p.failed, eta(float64(p.total-uint64(seeds)), rate))
	default:
		return fmt.Sprintf("campaign: %d seeds, %.0f seeds/s, %d failed, %v left",
			seeds, rate, p.failed, max(0, p.deadline.Sub(now)).Round(time.Second))
	}
}

// eta says how long left seeds take at rate seeds per second, never
// negative: a duration past what time.Duration holds is "years".
func eta(left, rate float64) string {
	const most = 100 * 365 * 24 * time.Hour
	if rate <= 0 || left/rate > most.Seconds() {
		return "more than 100 years"
	}
	return time.Duration(left / rate * float64(time.Second)).Round(time.Second).String()
}

func (p *progress) finish(sum campaign.Summary) {
	if p.bar != nil {
		p.bar.Finish()
	}
	fmt.Fprintf(p.w, "campaign: %d seeds in %v (%.0f seeds/s)\n", sum.Seeds, sum.Elapsed.Round(time.Millisecond), sum.SeedsPerSecond())
}
