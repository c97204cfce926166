package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestJSONNoNull: a report whose lists and maps were never filled writes
// [] and {}, never null, down to the paths of the matrix.
func TestJSONNoNull(t *testing.T) {
	r := &analysis.Report{
		Tenants:  []tenancy.Tenant{{Name: "a"}},
		Findings: []finding.Finding{{ID: "BH-X-001"}},
		Isolation: &attackpath.Matrix{
			Cells:    []attackpath.Cell{{Source: "a", Target: "b", Witness: &attackpath.Path{}}},
			Subjects: []attackpath.SubjectReach{{}},
		},
	}
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "null") {
		t.Errorf("null in the report:\n%s", out)
	}
	for _, want := range []string{`"findings": [`, `"skippedInput": []`, `"coverageGaps": []`, `"summary": {}`, `"namespaces": []`, `"hops": []`, `"tenants": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"subjects": [],`+"\n"+`      "objects"`) || strings.Contains(out, `"witness": []`) {
		t.Errorf("an omitempty field was written empty:\n%s", out)
	}
}

func TestPathsJSON(t *testing.T) {
	var b bytes.Buffer
	if err := PathsJSON(&b, nil, 0, nil, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schemaVersion"] != PathsSchemaVersion || doc["bulkheadVersion"] != "v1.2.3" || doc["total"] != 0.0 {
		t.Errorf("paths document %v", doc)
	}
	if paths, ok := doc["paths"].([]any); !ok || len(paths) != 0 {
		t.Errorf("paths %#v, want []", doc["paths"])
	}
	if joined, ok := doc["joined"].([]any); !ok || len(joined) != 0 {
		t.Errorf("joined %#v, want []", doc["joined"])
	}
}
