package baseline

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"sigs.k8s.io/yaml/goyaml.v3"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Entry is one suppression, parsed and checked.
type Entry struct {
	analysis.Suppression
	// expires is the last day it suppresses; zero when it never expires.
	expires time.Time
}

// dateLayout is how expiry dates are written.
const dateLayout = "2006-01-02"

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ParseSuppressions reads a suppressions file: a YAML list whose entries
// name a finding by its fingerprint, or by a rule and an object
// (Kind/namespace/name, or Kind/name for a cluster-scoped object; both
// path globs), with the reason (required) and an optional expiry date:
//
//   - fingerprint: 3f2a…
//     reason: the CI runner needs it, SEC-123
//     expires: 2025-12-31
//   - rule: BH-NET-*
//     object: Pod/legacy/*
//     reason: legacy namespace, decommissioned in Q3
//
// A malformed entry is an error naming its file and line.
func ParseSuppressions(data []byte, file string) ([]Entry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file suppresses nothing
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of suppressions ({fingerprint | rule and object, reason, expires})", file, root.Line)
	}
	var out []Entry
	for _, item := range root.Content {
		e, err := parseEntry(item, file)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func parseEntry(item *yaml.Node, file string) (Entry, error) {
	where := fmt.Sprintf("%s:%d", file, item.Line)
	fail := func(line int, format string, args ...any) (Entry, error) {
		return Entry{}, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	if item.Kind != yaml.MappingNode {
		return fail(item.Line, "want a mapping {fingerprint | rule and object, reason, expires}")
	}
	e := Entry{Suppression: analysis.Suppression{Where: where}}
	seen := map[string]bool{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		if seen[k.Value] {
			return fail(k.Line, "%s given twice", k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return fail(v.Line, "%s: want a string", k.Value)
		}
		val := strings.TrimSpace(v.Value)
		switch k.Value {
		case "fingerprint":
			if !fingerprintPattern.MatchString(val) {
				return fail(v.Line, "fingerprint %q: want the 32 hex digits of a finding's fingerprint", val)
			}
			e.Fingerprint = val
		case "rule":
			e.Rule = strings.ToUpper(val)
			if err := knownRule(e.Rule); err != nil {
				return fail(v.Line, "rule %s", err)
			}
		case "object":
			if _, err := path.Match(val, ""); err != nil || val == "" {
				return fail(v.Line, "object %q: want Kind/namespace/name or Kind/name, globs allowed", val)
			}
			e.Object = val
		case "reason":
			e.Reason = val
		case "expires":
			t, err := time.Parse(dateLayout, val)
			if err != nil {
				return fail(v.Line, "expires %q: want a date, YYYY-MM-DD", val)
			}
			e.Expires, e.expires = val, t
		default:
			return fail(k.Line, "unknown field %q (want fingerprint, rule, object, reason, expires)", k.Value)
		}
	}
	switch {
	case e.Fingerprint != "" && (e.Rule != "" || e.Object != ""):
		return fail(item.Line, "a fingerprint, or a rule and an object: not both")
	case e.Fingerprint == "" && (e.Rule == "" || e.Object == ""):
		return fail(item.Line, "want a fingerprint, or a rule and an object")
	case e.Reason == "":
		return fail(item.Line, "no reason: say why the finding is accepted")
	}
	return e, nil
}

// knownRule checks that a rule ID or glob names some registered rule, so
// that a typo is an error rather than a suppression of nothing.
func knownRule(pattern string) error {
	for _, r := range finding.Rules() {
		ok, err := path.Match(pattern, r.ID)
		if err != nil {
			return fmt.Errorf("%q: %w", pattern, err)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("%q: no such rule (docs/checks/ lists them)", pattern)
}

// Expired reports whether the entry no longer suppresses on the day of
// today: it suppresses through its expiry date.
func (e *Entry) Expired(today time.Time) bool {
	if e.expires.IsZero() {
		return false
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return day.After(e.expires)
}

// Matches reports whether the entry names the finding: by fingerprint, or
// by rule and one of the finding's subjects or objects. As for the
// fingerprint, the subject of a finding from every tenant ("*") is only an
// example of one of them and does not count.
func (e *Entry) Matches(f *finding.Finding) bool {
	if e.Fingerprint != "" {
		return f.Fingerprint == e.Fingerprint
	}
	if ok, _ := path.Match(e.Rule, f.ID); !ok {
		return false
	}
	refs := [][]finding.Ref{f.Objects}
	if f.SourceTenant != "*" {
		refs = append(refs, f.Subjects)
	}
	for _, refs := range refs {
		for _, r := range refs {
			if ok, _ := path.Match(e.Object, r.String()); ok {
				return true
			}
		}
	}
	return false
}

// Suppress moves the findings of r that an entry names, on the day of
// today, to r.Suppressed with the entry's reason (the first entry that
// names a finding takes it), recounting the summary. Expired entries
// suppress nothing: they are listed in r.ExpiredSuppressions with the
// findings they name, so that the report says so.
func Suppress(r *analysis.Report, entries []Entry, today time.Time) {
	es := make([]Entry, len(entries))
	copy(es, entries)
	kept := []finding.Finding{}
	for _, f := range r.Findings {
		by := -1
		for i := range es {
			if !es[i].Matches(&f) {
				continue
			}
			es[i].Findings++
			if !es[i].Expired(today) {
				by = i
				break
			}
		}
		if by < 0 {
			kept = append(kept, f)
			continue
		}
		e := &es[by]
		r.Suppressed = append(r.Suppressed, analysis.Suppressed{Finding: f, By: e.Where, Reason: e.Reason, Expires: e.Expires})
	}
	for i := range es {
		if es[i].Expired(today) {
			r.ExpiredSuppressions = append(r.ExpiredSuppressions, es[i].Suppression)
		}
	}
	r.Findings = kept
	recount(r)
}
