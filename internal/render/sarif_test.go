package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// sarifSchemaFile is the official SARIF 2.1.0 schema, copied unmodified
// from OASIS (see its NOTICE beside it); sarifSchemaSHA256 holds it so.
const (
	sarifSchemaFile   = "testdata/sarif-schema-2.1.0.json"
	sarifSchemaSHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
)

// sarifValidator compiles the official schema, asserting its formats (uri,
// uri-reference, date-time) too.
func sarifValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != sarifSchemaSHA256 {
		t.Fatalf("%s is not the copy its NOTICE describes (SHA-256 %x)", sarifSchemaFile, sum)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sarifOf(t *testing.T, r *analysis.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// edgeReport has what the demo lacks: a baseline, input skipped, an
// analysis incomplete and one not run, a finding of no registered rule
// and one naming no object, files named absolutely and with spaces.
func edgeReport() *analysis.Report {
	r := report()
	r.Baseline = &analysis.Baseline{File: "previous.json"}
	r.Problems = []snapshot.Problem{{Where: "bad.yaml:3", Message: "missing kind"}}
	r.Analyses = append(r.Analyses, analysis.Analysis{Name: "node", Category: finding.Node, Status: analysis.NotRun, Notes: []string{"not built"}})
	r.Origins = snapshot.Origins{
		{Kind: "RoleBinding", Namespace: "b", Name: "x"}: {File: "/abs/dir/rb.yaml", Line: 4},
		{Kind: "Role", Namespace: "b", Name: "y"}:        {File: "my manifests/role #1.yaml", Line: 12},
		{Kind: "Pod", Namespace: "a", Name: "web"}:       {File: `C:\work\pods.yaml`, Line: 2},
	}
	r.Findings = append(r.Findings,
		finding.Finding{ID: "BH-NET-001", Severity: finding.Critical, Category: finding.Network, Reason: "no object", Detail: "at all"},
		finding.Finding{ID: "BH-NODE-001", Severity: finding.Medium, Category: finding.Node, Reason: "r",
			Objects: []finding.Ref{{Kind: "Pod", Namespace: "a", Name: "web"}}})
	return r
}

// TestSARIFSchema validates real output against the official SARIF 2.1.0
// schema: the demo's and the edge cases'.
func TestSARIFSchema(t *testing.T) {
	schema := sarifValidator(t)
	for _, tc := range []struct {
		name string
		r    *analysis.Report
	}{{"demo", demoReport(t)}, {"edge cases", edgeReport()}, {"empty", &analysis.Report{}}} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(sarifOf(t, tc.r)))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF output does not validate: %v", err)
			}
		})
	}
	// The validator does refuse what is not SARIF.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal", "message": {"text": "x"}}]}]}`))
	if err := schema.Validate(bad); err == nil {
		t.Error("the schema accepted a driver without a name and a level that is none of SARIF's")
	}
}

// TestSARIFDemo pins the demo's log: `bulkhead audit --demo -o sarif`.
func TestSARIFDemo(t *testing.T) {
	log := func() string {
		r := demoReport(t)
		r.Version = "devel" // as `go run` says
		return sarifOf(t, r)
	}
	got := log()
	if log() != got {
		t.Error("two logs of the demo differ")
	}
	goldenFile(t, "demo.sarif", got)
}

// sarifResults decodes the results of a log's run.
func sarifResults(t *testing.T, out string) (sarifLog, []sarifResult) {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return log, log.Runs[0].Results
}

// TestSARIFResults: each finding is a result with its rule, level,
// message, fingerprint and locations, the located object first.
func TestSARIFResults(t *testing.T) {
	r := edgeReport()
	log, results := sarifResults(t, sarifOf(t, r))
	if len(results) != len(r.Findings) {
		t.Fatalf("%d results of %d findings", len(results), len(r.Findings))
	}
	rules := log.Runs[0].Tool.Driver.Rules
	type loc struct {
		URI  string
		Line int
		FQN  string
	}
	locs := func(ls []sarifLocation) []loc {
		var out []loc
		for _, l := range ls {
			var x loc
			if p := l.PhysicalLocation; p != nil {
				x.URI, x.Line = p.ArtifactLocation.URI, p.Region.StartLine
			}
			if len(l.LogicalLocations) != 1 {
				t.Errorf("location %+v: %d logical locations, want 1", l, len(l.LogicalLocations))
			} else {
				x.FQN = l.LogicalLocations[0].FullyQualifiedName
			}
			out = append(out, x)
		}
		return out
	}
	for _, tc := range []struct {
		id       string
		level    string
		message  string
		ruled    bool
		primary  []loc
		related  []loc
		relFacts []string
	}{
		{id: "BH-X-001", level: "error", message: strings.Repeat("word ", 40),
			// The witness's objects, each once, with the first fact said of it.
			primary:  []loc{{"file:///abs/dir/rb.yaml", 4, "RoleBinding/b/x"}},
			related:  []loc{{"my%20manifests/role%20%231.yaml", 12, "Role/b/y"}},
			relFacts: []string{"two"}},
		{id: "BH-NET-001", level: "error", message: "no object\n\nat all", ruled: true},
		{id: "BH-NODE-001", level: "warning", message: "r", ruled: true,
			primary: []loc{{"file:///C:/work/pods.yaml", 2, "Pod/a/web"}}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			var res *sarifResult
			for i := range results {
				if results[i].RuleID == tc.id {
					res = &results[i]
				}
			}
			if res == nil {
				t.Fatalf("no result of %s", tc.id)
			}
			if res.Level != tc.level || res.Message.Text != tc.message {
				t.Errorf("level %q, message %q; want %q, %q", res.Level, res.Message.Text, tc.level, tc.message)
			}
			if (res.RuleIndex != nil) != tc.ruled {
				t.Errorf("rule index %v, want one: %v", res.RuleIndex, tc.ruled)
			} else if tc.ruled && rules[*res.RuleIndex].ID != tc.id {
				t.Errorf("rule index %d is rule %s", *res.RuleIndex, rules[*res.RuleIndex].ID)
			}
			if d := cmp.Diff(tc.primary, locs(res.Locations)); d != "" {
				t.Errorf("locations (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.related, locs(res.RelatedLocations)); d != "" {
				t.Errorf("related locations (-want +got):\n%s", d)
			}
			var facts []string
			for _, l := range res.RelatedLocations {
				facts = append(facts, l.Message.Text)
			}
			if d := cmp.Diff(tc.relFacts, facts); d != "" {
				t.Errorf("related facts (-want +got):\n%s", d)
			}
			if res.BaselineState != "new" {
				t.Errorf("baseline state %q with a baseline, want new", res.BaselineState)
			}
		})
	}
	for i, res := range results {
		if want := analysis.Fingerprint(&r.Findings[i]); res.PartialFingerprints[FingerprintKey] != want {
			t.Errorf("result %d: fingerprint %q, want %q", i, res.PartialFingerprints[FingerprintKey], want)
		}
	}
	inv := log.Runs[0].Invocations[0]
	var notes []string
	for _, n := range inv.Notifications {
		notes = append(notes, n.Level+": "+n.Message.Text)
	}
	want := []string{
		"warning: analysis network incomplete: networkpolicies.networking.k8s.io forbidden",
		"warning: analysis node not run: not built",
		"warning: input skipped: bad.yaml:3: missing kind",
		"note: baseline previous.json already has 0 findings of this report, left out of the results",
	}
	if d := cmp.Diff(want, notes); d != "" {
		t.Errorf("notifications (-want +got):\n%s", d)
	}
	if p := log.Runs[0].Properties; p.Source != "test" || !p.Incomplete || p.Baseline != "previous.json" || len(p.Tenants) != 2 {
		t.Errorf("run properties %+v", p)
	}
}

// TestSARIFDemoLocations: every result of the demo points at the manifest
// of its object, in examples/seed-cluster, at the line its document starts.
func TestSARIFDemoLocations(t *testing.T) {
	_, results := sarifResults(t, sarifOf(t, demoReport(t)))
	if len(results) == 0 {
		t.Fatal("no results")
	}
	for _, res := range results {
		if len(res.Locations) == 0 || res.Locations[0].PhysicalLocation == nil {
			t.Errorf("%s %q: no file", res.RuleID, res.Message.Text)
			continue
		}
		p := res.Locations[0].PhysicalLocation
		data, err := os.ReadFile(filepath.Join("..", "..", p.ArtifactLocation.URI))
		if err != nil {
			t.Errorf("%s: %v", res.RuleID, err)
			continue
		}
		lines := strings.Split(string(data), "\n")
		if p.Region.StartLine < 1 || p.Region.StartLine > len(lines) {
			t.Errorf("%s: line %d of %d", res.RuleID, p.Region.StartLine, len(lines))
			continue
		}
		// The object's name is in its document, from that line on.
		name := res.Locations[0].LogicalLocations[0].Name
		doc := strings.Join(lines[p.Region.StartLine-1:], "\n")
		if end := strings.Index(doc[1:], "\n---"); end >= 0 {
			doc = doc[:end+1]
		}
		if !regexp.MustCompile(`(?m)^\s*name: "?` + regexp.QuoteMeta(name) + `"?\s*$`).MatchString(doc) {
			t.Errorf("%s: %s line %d starts no document naming %s", res.RuleID, p.ArtifactLocation.URI, p.Region.StartLine, name)
		}
	}
}

// TestSARIFRules: the driver lists every registered rule with its title,
// the level of its severity and a help page that documents it.
func TestSARIFRules(t *testing.T) {
	log, _ := sarifResults(t, sarifOf(t, &analysis.Report{}))
	rules := finding.Rules()
	got := log.Runs[0].Tool.Driver.Rules
	if len(got) != len(rules) || len(rules) == 0 {
		t.Fatalf("%d rules in the log, %d registered", len(got), len(rules))
	}
	for i, rule := range rules {
		g := got[i]
		if g.ID != rule.ID || g.ShortDescription.Text != rule.Title || g.DefaultConfiguration.Level != level(rule.Severity) || g.Name == "" || strings.ContainsAny(g.Name, " '.") {
			t.Errorf("rule %s in the log: %+v", rule.ID, g)
		}
		doc, ok := strings.CutPrefix(g.HelpURI, InformationURI+"/blob/main/")
		if !ok {
			t.Errorf("%s: help %q is not in the repository", rule.ID, g.HelpURI)
			continue
		}
		data, err := os.ReadFile(filepath.Join("..", "..", doc))
		if err != nil {
			t.Errorf("%s: help page: %v", rule.ID, err)
		} else if !strings.Contains(string(data), "| "+rule.ID+" |") {
			t.Errorf("%s: %s has no row for it", rule.ID, doc)
		}
	}
}

func TestSARIFLevels(t *testing.T) {
	for s, want := range map[finding.Severity]string{finding.Critical: "error", finding.High: "error", finding.Medium: "warning", finding.Low: "note", finding.Info: "note"} {
		if got := level(s); got != want {
			t.Errorf("level(%s) = %q, want %q", s, got, want)
		}
	}
}

func TestPascal(t *testing.T) {
	for title, want := range map[string]string{
		"A binding to a role that does not exist":                            "ABindingToARoleThatDoesNotExist",
		"A tenant's subject is granted access in another tenant's namespace": "ATenantsSubjectIsGrantedAccessInAnotherTenantsNamespace",
		"hostPath / (root) mounted, v1.32":                                   "HostPathRootMountedV132",
		"":                                                                   "",
	} {
		if got := pascal(title); got != want {
			t.Errorf("pascal(%q) = %q, want %q", title, got, want)
		}
	}
}

// TestSARIFSuppressed: a finding a suppressions file took out is a result
// with its suppression (kind external, the reason, the file and line),
// after the results that stand, so that code scanning shows it dismissed;
// the log still validates.
func TestSARIFSuppressed(t *testing.T) {
	r := edgeReport()
	r.Suppressed = []analysis.Suppressed{{Finding: finding.Finding{ID: "BH-API-002", Severity: finding.High, Category: finding.API, Reason: "bob reads every tenant",
		Subjects: []finding.Ref{{Kind: "User", Name: "bob"}}}, By: "suppress.yaml:3", Reason: "bob is the auditor", Expires: "2027-01-01"}}
	out := sarifOf(t, r)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sarifValidator(t).Validate(doc); err != nil {
		t.Errorf("SARIF output does not validate: %v", err)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != len(r.Findings)+1 {
		t.Fatalf("%d results, want the %d findings and the suppressed one", len(results), len(r.Findings))
	}
	last := results[len(results)-1]
	want := []sarifSuppression{{Kind: "external", Status: "accepted", Justification: "bob is the auditor (suppress.yaml:3, until 2027-01-01)"}}
	if last.RuleID != "BH-API-002" || !reflect.DeepEqual(last.Suppressions, want) || last.BaselineState != "" {
		t.Errorf("suppressed result %+v, want BH-API-002 with %+v", last, want)
	}
	for _, res := range results[:len(results)-1] {
		if len(res.Suppressions) > 0 {
			t.Errorf("result %s suppressed", res.RuleID)
		}
	}
}

// TestSARIFGradedRuleScore: code scanning reads a result's severity from
// its rule's security-severity only: a graded rule scores as its worst
// result of the run (a critical BH-API-002 is not shown at medium); a rule
// whose results are at its default, or one that does not grade, keeps it.
func TestSARIFGradedRuleScore(t *testing.T) {
	r := &analysis.Report{Findings: []finding.Finding{
		{ID: "BH-API-002", Severity: finding.Critical, Category: finding.API, Reason: "cluster-admin everywhere"},
		{ID: "BH-API-002", Severity: finding.Medium, Category: finding.API, Reason: "reads pods everywhere"},
		{ID: "BH-API-001", Severity: finding.Medium, Category: finding.API, Reason: "reads pods in another tenant"},
	}}
	log, _ := sarifResults(t, sarifOf(t, r))
	score := map[string]string{}
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		score[rule.ID] = rule.Properties.SecuritySeverity
	}
	if score["BH-API-002"] != securitySeverity(finding.Critical) || score["BH-API-001"] != securitySeverity(finding.Medium) || score["BH-API-003"] != securitySeverity(finding.High) {
		t.Errorf("scores %v", score)
	}
}
