package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// check is the findings of one rule at one severity: the text report
// prints the check once, then what each finding is about.
type check struct {
	ID       string
	Severity finding.Severity
	Findings []finding.Finding
}

// byCheck groups findings by rule ID and severity, keeping report order
// (worst first, then by ID), so each group is printed once.
func byCheck(fs []finding.Finding) []check {
	var out []check
	idx := map[string]int{}
	for _, f := range fs {
		k := f.ID + "\x00" + f.Severity.String()
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, check{ID: f.ID, Severity: f.Severity})
		}
		out[i].Findings = append(out[i].Findings, f)
	}
	return out
}

// maxVarying is the most words in which the reasons of one check may
// differ for them to be printed as one line and a list.
const maxVarying = 4

// common splits the reasons of a check into one line with a gap ("namespace
// … has no default-deny ingress NetworkPolicy") and what fills the gap for
// each finding ("default", "network"). ok is false when the reasons differ
// in more than one place or by more than a few words, or share less than
// two.
func common(reasons []string) (title string, fills []string, ok bool) {
	if len(reasons) < 2 {
		return "", nil, false
	}
	words := make([][]string, len(reasons))
	for i, r := range reasons {
		words[i] = strings.Fields(r)
	}
	pre, suf := len(words[0]), len(words[0])
	for _, w := range words[1:] {
		pre = min(pre, commonPrefix(words[0], w))
		suf = min(suf, commonSuffix(words[0], w))
	}
	if pre+suf < 2 {
		return "", nil, false
	}
	for _, w := range words {
		mid := len(w) - pre - suf
		if mid < 1 || mid > maxVarying {
			return "", nil, false
		}
		fills = append(fills, strings.Join(w[pre:len(w)-suf], " "))
	}
	w := words[0]
	parts := append(append(append([]string(nil), w[:pre]...), "…"), w[len(w)-suf:]...)
	return strings.Join(parts, " "), fills, true
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// listed is how many findings of a check the text names without -v.
const listed = 12

// check prints one rule: its severity and ID, what each finding is about
// (the varying part of their reasons listed once when they share the
// rest), then the witness and fix of its first finding. With -v every
// finding is printed in full.
func (p *printer) check(c check) {
	n := len(c.Findings)
	count := ""
	if n > 1 {
		count = p.paint("2", fmt.Sprintf(" (%d)", n))
	}
	lead := fmt.Sprintf("%s %s%s  ", p.sev(c.Severity), p.paint("1", c.ID), count)
	if p.o.Verbose {
		p.printf("%s\n", strings.TrimRight(lead, " "))
		for _, f := range c.Findings {
			p.wrap("  - ", f.Reason)
			p.evidence(&f, "    ")
		}
		p.printf("\n")
		return
	}
	reasons := make([]string, n)
	for i, f := range c.Findings {
		reasons[i] = f.Reason
	}
	first := &c.Findings[0]
	which := "for the first:"
	if title, fills, ok := common(reasons); ok {
		p.wrap(lead, title)
		which = "for " + fills[0] + ":"
		fills = slices.Clone(fills)
		slices.Sort(fills)
		p.wrap("  "+p.paint("2", "where … is")+" ", list(fills, listed))
	} else {
		p.wrap(lead, first.Reason)
		for i, r := range reasons[1:] {
			if i+1 == listed {
				p.printf("  … %s (-v)\n", counted(n-listed, "more finding", "more findings"))
				break
			}
			p.wrap("  ", r)
		}
	}
	if n > 1 {
		p.printf("  %s\n", p.paint("2", which))
	}
	p.evidence(first, "    ")
	p.printf("\n")
}

// evidence prints a finding's detail (-v), witness (cut without -v) and fix.
func (p *printer) evidence(f *finding.Finding, indent string) {
	if p.o.Verbose && f.Detail != "" {
		p.wrap(indent, f.Detail)
	}
	steps := f.Witness
	if !p.o.Verbose && len(steps) > witnessSteps {
		steps = steps[:witnessSteps]
	}
	for i, s := range steps {
		lead := indent + "    "
		if i == 0 {
			lead = indent + p.paint("2", "why ")
		}
		p.wrap(lead, s.Object.String()+": "+s.Fact)
	}
	if rest := len(f.Witness) - len(steps); rest > 0 {
		p.printf("%s    … %s (-v)\n", indent, counted(rest, "more step", "more steps"))
	}
	if f.Remediation != "" {
		p.wrap(indent+p.paint("2", "fix "), f.Remediation)
	}
}

// list joins names, cutting after max with a count of the rest and -v
// to see them.
func list(names []string, max int) string { return cutList(names, max, " (-v)") }

// cutList joins names, cutting after max with a count of the rest, hint
// after it.
func cutList(names []string, max int, hint string) string {
	if len(names) > max {
		names = append(names[:max:max], fmt.Sprintf("… %d more%s", len(names)-max, hint))
	}
	return strings.Join(names, ", ")
}

// counted writes "1 thing" or "n things".
func counted(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}
