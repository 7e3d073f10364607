package check

import (
	"github.com/kvsim/kvsim"
	"github.com/kvsim/kvsim/models"
)

// ClerkContract: every operation that returned kept the Clerk's contract,
// judged from what the transport reported of each of its attempts
// (models.ClerkGetContract, models.ClerkPutContract): a Get never returns
// ErrMaybe, and returns what some reply said; a Put returns ErrVersion
// only when its first attempt's reply said so, ErrMaybe only after a
// resend, anything else only if some reply said it. What the lab allows
// but a precise Clerk avoids is a warning (models.ClerkPutWarning), never
// a failure. Reported at the first operation that broke it.
type ClerkContract struct{}

func (ClerkContract) Name() string { return "clerk contract" }

func (c ClerkContract) Check(r *Recording, o *Outcome) {
	var first Finding
	warned := -1 // index in o.Warnings of this check's warning
	var warnedAt moment
	for i := range r.KV {
		op := &r.KV[i]
		if op.Output.Unknown {
			continue
		}
		in, out, at := op.Input, op.Output, r.Ops[i].end
		var breach string
		if in.Op == models.OpGet {
			breach = models.ClerkGetContract(in.Key, r.attemptsOf(i), out.Value, out.Version, out.Err)
		} else {
			breach = models.ClerkPutContract(in.Key, in.Value, in.Version, r.attemptsOf(i), out.Err)
			if breach == "" {
				if w := models.ClerkPutWarning(in.Key, in.Value, in.Version, r.attemptsOf(i), out.Err); w != "" {
					text := r.Clients[op.Client] + ": " + w
					switch {
					case warned < 0:
						warned, warnedAt = len(o.Warnings), at
						o.Warnings = append(o.Warnings, Warning{Name: models.WarnMaybeImprecise, Text: text, Count: 1})
					case at.before(warnedAt):
						o.Warnings[warned].Text, warnedAt = text, at
						o.Warnings[warned].Count++
					default:
						o.Warnings[warned].Count++
					}
				}
			}
		}
		if breach == "" {
			continue
		}
		if first.Count == 0 || at.before(first.at) {
			first = Finding{Check: c.Name(), Verdict: kvsim.Violation, at: at, Count: first.Count,
				Reason: "clerk contract: " + r.Clients[op.Client] + ": " + breach}
		}
		first.Count++
	}
	if first.Count > 0 {
		o.Add(first)
	}
}
