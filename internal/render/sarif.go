package render

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// SARIF 2.1.0 (OASIS, errata 01): the schema the output declares and is
// tested against (testdata/sarif-schema-2.1.0.json), and the version.
const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
)

// InformationURI is bulkhead's home page, which SARIF names as the tool's
// and under which each rule's documentation lives (docs/checks/).
const InformationURI = "https://github.com/bulkhead-dev/bulkhead"

// FingerprintKey names bulkhead's fingerprint (analysis.Fingerprint) among
// a SARIF result's partialFingerprints; the version changes if the hash
// ever does.
const FingerprintKey = "bulkhead/v1"

// SARIF writes the report as a SARIF 2.1.0 log for code-scanning tools:
// one run whose tool lists every registered rule (ID, title, default
// level, documentation), a result per finding with its level, its reason
// and detail, where it is (the manifest file and line of -f input, the
// object's kind, namespace and name always) and its fingerprint, and the
// source, tenants and analyses of the audit. Output is deterministic.
func SARIF(w io.Writer, r *analysis.Report) error {
	rules := finding.Rules()
	index := make(map[string]int, len(rules))
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:        sarifTool{Driver: sarifDriver{Name: "bulkhead", Version: r.Version, InformationURI: InformationURI, Rules: make([]sarifRule, len(rules))}},
		Invocations: []sarifInvocation{invocation(r)},
		Results:     make([]sarifResult, 0, len(r.Findings)),
		Properties:  runProperties(r),
	}}}
	run := &log.Runs[0]
	for i, rule := range rules {
		index[rule.ID] = i
		run.Tool.Driver.Rules[i] = sarifRuleOf(rule)
	}
	worst := map[string]finding.Severity{}
	for i := range r.Findings {
		f := &r.Findings[i]
		run.Results = append(run.Results, result(r, f, index))
		worst[f.ID] = max(worst[f.ID], f.Severity)
	}
	// Code scanning reads a result's severity from its rule's score only:
	// a graded rule scores as its worst result of the run, so that a
	// critical result is never shown at the rule's default.
	for id, sev := range worst {
		if i, ok := index[id]; ok && rules[i].Graded && sev > rules[i].Severity {
			run.Tool.Driver.Rules[i].Properties.SecuritySeverity = securitySeverity(sev)
		}
	}
	// A suppressed finding is a result with its suppression, as SARIF
	// says, so that code scanning shows it dismissed, with the reason,
	// rather than never found.
	for i := range r.Suppressed {
		s := &r.Suppressed[i]
		res := result(r, &s.Finding, index)
		res.BaselineState = ""
		justification := s.Reason + " (" + s.By
		if s.Expires != "" {
			justification += ", until " + s.Expires
		}
		res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: justification + ")"}}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// result is one finding as a SARIF result: its rule, level and message;
// its first located object (or first object) as the location and every
// other object, subject and witness step as related locations; its
// fingerprint.
func result(r *analysis.Report, f *finding.Finding, index map[string]int) sarifResult {
	res := sarifResult{
		RuleID:  f.ID,
		Level:   level(f.Severity),
		Message: sarifMessage{Text: message(f)},
		Properties: &resultProperties{
			Severity: f.Severity.String(), Category: string(f.Category),
			SourceTenant: f.SourceTenant, TargetTenant: f.TargetTenant,
			SourceTenants: f.SourceTenants, TargetTenants: f.TargetTenants,
			Remediation: f.Remediation,
		},
	}
	if i, ok := index[f.ID]; ok {
		res.RuleIndex = &i
	}
	fp := f.Fingerprint
	if fp == "" {
		fp = analysis.Fingerprint(f)
	}
	res.PartialFingerprints = map[string]string{FingerprintKey: fp}
	if r.Baseline != nil {
		res.BaselineState = "new" // a baseline leaves only what it did not hold
	}
	refs, facts := involved(f)
	primary := -1
	for i, ref := range refs {
		if _, ok := r.Origins.Of(ref.Kind, ref.Namespace, ref.Name); ok {
			primary = i
			break
		}
	}
	if primary < 0 && len(refs) > 0 {
		primary = 0
	}
	for i, ref := range refs {
		loc := location(r, ref)
		if i == primary {
			res.Locations = append(res.Locations, loc)
			continue
		}
		id := len(res.RelatedLocations) + 1
		loc.ID = &id
		if fact := facts[ref]; fact != "" {
			loc.Message = &sarifMessage{Text: fact}
		}
		res.RelatedLocations = append(res.RelatedLocations, loc)
	}
	return res
}

// involved lists the objects of a finding, then its subjects, then the
// objects of its witness, each once, with the first fact the witness
// states of each.
func involved(f *finding.Finding) ([]finding.Ref, map[finding.Ref]string) {
	var refs []finding.Ref
	facts := map[finding.Ref]string{}
	seen := map[finding.Ref]bool{}
	add := func(ref finding.Ref) {
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	for _, ref := range f.Objects {
		add(ref)
	}
	for _, ref := range f.Subjects {
		add(ref)
	}
	for _, s := range f.Witness {
		add(s.Object)
		if facts[s.Object] == "" {
			facts[s.Object] = s.Fact
		}
	}
	return refs, facts
}

// location is an object's logical location, kind/namespace/name, with
// its manifest's file and line when it was read from one.
func location(r *analysis.Report, ref finding.Ref) sarifLocation {
	kind := "resource"
	if ref.Kind == "Namespace" {
		kind = "namespace"
	}
	loc := sarifLocation{LogicalLocations: []sarifLogicalLocation{{
		Name: ref.Name, FullyQualifiedName: ref.String(), Kind: kind,
		Properties: &logicalProperties{Kind: ref.Kind, Namespace: ref.Namespace},
	}}}
	if at, ok := r.Origins.Of(ref.Kind, ref.Namespace, ref.Name); ok {
		loc.PhysicalLocation = &sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: artifactURI(at.File)},
			Region:           &sarifRegion{StartLine: at.Line},
		}
	}
	return loc
}

// artifactURI is a file as a URI reference: a relative path (relative to
// the working directory, as -f named it) stays relative, with forward
// slashes and escaped; an absolute one becomes a file: URI.
func artifactURI(file string) string {
	p := strings.ReplaceAll(file, `\`, "/")
	if path.IsAbs(p) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	if len(p) > 2 && p[1] == ':' && p[2] == '/' { // a Windows drive
		return (&url.URL{Scheme: "file", Path: "/" + p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// message is the finding's reason, then its detail.
func message(f *finding.Finding) string {
	if f.Detail == "" {
		return f.Reason
	}
	return f.Reason + "\n\n" + f.Detail
}

// level is SARIF's level of a severity: critical and high are errors,
// medium a warning, low and info notes.
func level(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code-scanning services sort and
// label results by (GitHub: 9.0 and up critical, 7.0 high, 4.0 medium).
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	}
	return "0.0"
}

// invocation says the audit ran, and what it could not see: analyses
// incomplete or not run, input documents skipped.
func invocation(r *analysis.Report) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, a := range r.Analyses {
		if a.Status == analysis.Ran {
			continue
		}
		text := "analysis " + a.Name + " " + a.Status
		if len(a.Notes) > 0 {
			text += ": " + strings.Join(a.Notes, "; ")
		}
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "warning", Message: sarifMessage{Text: text}})
	}
	for _, p := range r.Problems {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "warning", Message: sarifMessage{Text: "input skipped: " + p.String()}})
	}
	if b := r.Baseline; b != nil {
		text := fmt.Sprintf("baseline %s already has %s of this report, left out of the results", b.File, counted(b.Findings, "finding", "findings"))
		if r.Isolation != nil {
			text += fmt.Sprintf(" (and %s, %s)", counted(b.Pairs, "breached pair", "breached pairs"), counted(b.AdminPaths, "path to cluster-admin", "paths to cluster-admin"))
		}
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note", Message: sarifMessage{Text: text}})
	}
	return inv
}

func runProperties(r *analysis.Report) *runPropertyBag {
	p := &runPropertyBag{Source: r.Source, Tenants: r.Tenants, Analyses: r.Analyses, Summary: r.Summary, Incomplete: r.Incomplete()}
	if p.Tenants == nil {
		p.Tenants = []tenancy.Tenant{}
	}
	if p.Analyses == nil {
		p.Analyses = []analysis.Analysis{}
	}
	if x := r.Isolation; x != nil {
		n, _ := breachedPairs(x, "")
		p.BreachedPairs = &n
	}
	if r.Baseline != nil {
		p.Baseline = r.Baseline.File
	}
	return p
}
