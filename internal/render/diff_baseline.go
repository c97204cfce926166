package render

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
)

// newPairsShown is how many new pairs the summary names.
const newPairsShown = 10

// comparison ends the text report's summary with what --baseline left
// out and what is new, and what --suppressions took out, so that a
// report held against a baseline or a suppressions file never looks
// cleaner than the cluster without saying why.
func (p *printer) comparison(r *analysis.Report) {
	if b := r.Baseline; b != nil {
		held, news, all := baselineCounts(r)
		p.wrap("baseline: ", fmt.Sprintf("%s already has %s of this report (left out); new: %s", b.File, sentence(held), strings.Join(news, ", ")))
		pairs := all
		if len(all) > newPairsShown && !p.o.Verbose {
			pairs = append(all[:newPairsShown:newPairsShown], fmt.Sprintf("… %d more (-v)", len(all)-newPairsShown))
		}
		if len(pairs) > 0 {
			p.wrap("new:      ", strings.Join(pairs, ", "))
		}
	}
	if n := len(r.Suppressed); n > 0 {
		p.printf("suppressed: %s (listed at the end)\n", counted(n, "finding", "findings"))
	}
	for _, e := range r.ExpiredSuppressions {
		p.wrap(p.paint("33", "warning:")+" ", fmt.Sprintf("%s: suppression expired on %s, no longer suppresses %s",
			e.Where, e.Expires, counted(e.Findings, "finding", "findings")))
	}
}

// baselineCounts says what a report's baseline held of it (findings, and
// with the matrix its breached pairs and paths to cluster-admin), what is
// new in it, counted the same way, and the new pairs and paths, each
// "source → target (worst)".
func baselineCounts(r *analysis.Report) (held, news, pairs []string) {
	b := r.Baseline
	held = []string{counted(b.Findings, "finding", "findings")}
	news = []string{counted(len(r.Findings), "finding", "findings")}
	if r.Isolation != nil {
		held = append(held, counted(b.Pairs, "breached pair", "breached pairs"), counted(b.AdminPaths, "path to cluster-admin", "paths to cluster-admin"))
		news = append(news, counted(len(b.NewPairs), "pair", "pairs"), counted(len(b.NewAdminPaths), "path to cluster-admin", "paths to cluster-admin"))
	}
	for _, np := range append(append([]analysis.TenantPair(nil), b.NewPairs...), b.NewAdminPaths...) {
		pairs = append(pairs, fmt.Sprintf("%s → %s (%s)", np.Source, np.Target, np.Worst))
	}
	return held, news, pairs
}

// suppressed lists the findings suppressions took out, with the reason
// and where each suppression is.
func (p *printer) suppressed(r *analysis.Report) {
	if len(r.Suppressed) == 0 {
		return
	}
	p.printf("%s\n", p.paint("1", "suppressed findings:"))
	for _, s := range r.Suppressed {
		f := &s.Finding
		p.printf("%s %-11s ", p.sev(f.Severity), f.ID)
		p.wrapAt(21, f.Reason)
		why := s.By + ": " + s.Reason
		if s.Expires != "" {
			why += " (until " + s.Expires + ")"
		}
		p.wrap("    "+p.paint("2", "by ")+" ", why)
	}
	p.printf("\n")
}

// sentence joins words as a sentence does: "a, b and c".
func sentence(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
