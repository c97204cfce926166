package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

const schemaPath = "../../../docs/report.schema.json"

func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return s
}

// TestReportSchema validates real reports against docs/report.schema.json:
// the demo, a report narrowed by --tenant and --checks, and a cluster that
// refused a list (coverage gaps, incomplete analyses).
func TestReportSchema(t *testing.T) {
	schema := reportSchema(t)
	for _, args := range [][]string{
		{"--demo"},
		{"--demo", "--tenant", "network", "--skip-checks", "BH-DNS-*"},
		{"-f", "testdata/incomplete.yaml"},
		{"-f", "testdata/complete.yaml", "--matrix=false"},
		// Real manifests (internal/corpus): platform exposure, refused pods,
		// namespace-less objects, a tenant label.
		{"-f", "../../corpus/testdata/platform", "--platform-namespaces", "monitoring,ingress-nginx"},
		{"-f", "../../corpus/testdata/argocd", "-n", "argocd"},
		{"-f", "../../corpus/testdata/capsule", "--tenant-label", "capsule.clastix.io/tenant"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, stderr, code := execute(t, append(args, "-o", "json", "--fail-on", "none")...)
			if code != cli.ExitOK && code != cli.ExitIncomplete {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("report does not follow %s: %v", schemaPath, err)
			}
		})
	}
}

// TestReportSchemaRejects: the schema is not vacuous.
func TestReportSchemaRejects(t *testing.T) {
	schema := reportSchema(t)
	out, _, _ := execute(t, "--demo", "-o", "json", "--fail-on", "none")
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
	}{
		{"null findings", func(r map[string]any) { r["findings"] = nil }},
		{"no version", func(r map[string]any) { delete(r, "bulkheadVersion") }},
		{"unknown severity", func(r map[string]any) { r["findings"].([]any)[0].(map[string]any)["severity"] = "severe" }},
		{"no fingerprint", func(r map[string]any) { delete(r["findings"].([]any)[0].(map[string]any), "fingerprint") }},
		{"unknown field", func(r map[string]any) { r["extra"] = 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r map[string]any
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			tc.change(r)
			data, _ := json.Marshal(r)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if schema.Validate(doc) == nil {
				t.Error("schema accepts it")
			}
		})
	}
}

// TestReportSchemaUnsearched: a path to cluster-admin past the witness
// budget, as the matrix writes it (no hops, unsearched), follows the
// schema.
func TestReportSchemaUnsearched(t *testing.T) {
	schema := reportSchema(t)
	out, _, _ := execute(t, "--demo", "-o", "json", "--fail-on", "none")
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(attackpath.Path{From: "test", To: "cluster-admin", Target: attackpath.Vertex{Kind: attackpath.ClusterAdmin, Name: "cluster-admin"},
		Severity: finding.Critical, Layers: []finding.Category{finding.API}, Hops: []attackpath.Hop{}, Unsearched: true})
	if err != nil {
		t.Fatal(err)
	}
	var path any
	if err := json.Unmarshal(p, &path); err != nil {
		t.Fatal(err)
	}
	x := r["isolation"].(map[string]any)
	admins, _ := x["adminPaths"].([]any)
	x["adminPaths"] = append(admins, path)
	data, _ := json.Marshal(r)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("an unsearched path does not follow %s: %v", schemaPath, err)
	}
}
