// Package zoo is the bug zoo: implementations with one realistic mistake
// each, in exactly one component (server, clerk or lock; the other two are
// the reference's). Each Doc says what the mistake is and which check
// catches it; the faulty line carries a "BUG:" comment. The zoo is how the
// checks are judged: every bug here must be found by the default campaign.
package zoo
