package baseline

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

func TestRead(t *testing.T) {
	r, err := Read(strings.NewReader(`{"schemaVersion": "bulkhead.dev/report/v1alpha1", "findings": [{"id": "BH-NET-001", "severity": "high", "fingerprint": "01"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Severity.String() != "high" {
		t.Errorf("findings %+v", r.Findings)
	}
	r, err = Read(strings.NewReader(`{"schemaVersion": "bulkhead.dev/report/v1alpha1", "findings": [{"id": "BH-NET-001", "severity": "high", "sourceTenant": "a"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if fp := r.Findings[0].Fingerprint; fp != analysis.Fingerprint(&finding.Finding{ID: "BH-NET-001", SourceTenant: "a"}) {
		t.Errorf("a finding without a fingerprint was given %q", fp)
	}
	for _, tc := range []struct {
		name, json, want string
	}{
		{"other schema", `{"schemaVersion": "bulkhead.dev/report/v2"}`, `report of schema "bulkhead.dev/report/v2", this bulkhead reads "bulkhead.dev/report/v1alpha1"`},
		{"no schema", `{"findings": []}`, "not a bulkhead JSON report: no schemaVersion"},
		{"no findings list", `{"schemaVersion": "bulkhead.dev/report/v1alpha1"}`, "not a bulkhead audit report: no findings list"},
		{"written with --baseline", `{"schemaVersion": "bulkhead.dev/report/v1alpha1", "findings": [], "baseline": {"file": "old.json"}}`, "a report written with --baseline: it lists only the findings that baseline did not have"},
		{"not json", "bulkhead audit: demo\n", "not a bulkhead JSON report: line 1: invalid character"},
		{"truncated", "{\n\"schemaVersion\": \"bulkhead.dev/report/v1alpha1\",\n\"findings\": [", "not a bulkhead JSON report: line 3: unexpected end of JSON input"},
		{"empty", "", "not a bulkhead JSON report"},
		{"bad severity", "{\"schemaVersion\": \"bulkhead.dev/report/v1alpha1\",\n\"findings\": [{\"severity\": \"dire\"}]}", `report of schema bulkhead.dev/report/v1alpha1: unknown severity "dire"`},
		{"wrong type", "{\"schemaVersion\": \"bulkhead.dev/report/v1alpha1\",\n\"findings\": {}}", "report of schema bulkhead.dev/report/v1alpha1: line 2: json: cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.json))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
