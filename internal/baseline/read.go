package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Read reads a JSON report that `bulkhead audit -o json` wrote. A report of
// another schema version is an error: fingerprints and fields are only
// comparable within one version; so is a report written with --baseline,
// whose findings are only those new since its own baseline.
func Read(r io.Reader) (*analysis.Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var probe struct {
		SchemaVersion *string          `json:"schemaVersion"`
		Findings      *json.RawMessage `json:"findings"`
		Baseline      *json.RawMessage `json:"baseline"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a bulkhead JSON report: %w", jsonError(data, err))
	}
	switch {
	case probe.SchemaVersion == nil:
		return nil, errors.New("not a bulkhead JSON report: no schemaVersion (write one with bulkhead audit -o json)")
	case *probe.SchemaVersion != analysis.SchemaVersion:
		return nil, fmt.Errorf("report of schema %q, this bulkhead reads %q: audit again with this version to compare",
			*probe.SchemaVersion, analysis.SchemaVersion)
	case probe.Findings == nil:
		return nil, errors.New("not a bulkhead audit report: no findings list (write one with bulkhead audit -o json)")
	case probe.Baseline != nil && string(*probe.Baseline) != "null":
		return nil, errors.New("a report written with --baseline: it lists only the findings that baseline did not have, so it does not stand for the cluster; " +
			"compare with the report of an audit without --baseline (keep it: bulkhead audit -o json > report.json)")
	}
	var rep analysis.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("report of schema %s: %w", analysis.SchemaVersion, jsonError(data, err))
	}
	// A finding written without its fingerprint (by hand, or by a tool that
	// dropped it) gets the one its fields give, so that it still compares.
	for i := range rep.Findings {
		if f := &rep.Findings[i]; f.Fingerprint == "" {
			f.Fingerprint = analysis.Fingerprint(f)
		}
	}
	return &rep, nil
}

// jsonError adds the line of a syntax error to it.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("line %d: %w", lineOf(data, syn.Offset), err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("line %d: %w", lineOf(data, typ.Offset), err)
	}
	return err
}

func lineOf(data []byte, offset int64) int {
	line := 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
		}
	}
	return line
}

// SharesNoTenant reports whether two reports have tenants and none in
// common (the cluster tenant and default, which every cluster has, aside):
// a baseline of another cluster, whose every pair and finding would
// compare as new.
func SharesNoTenant(a, b *analysis.Report) bool {
	names := map[string]bool{}
	for _, t := range a.Tenants {
		if !everyCluster(t) {
			names[t.Name] = true
		}
	}
	if len(names) == 0 {
		return false
	}
	some := false
	for _, t := range b.Tenants {
		if everyCluster(t) {
			continue
		}
		some = true
		if names[t.Name] {
			return false
		}
	}
	return some
}

// everyCluster reports whether every cluster has the tenant: the
// cluster's, and default's.
func everyCluster(t tenancy.Tenant) bool {
	return t.System || t.Name == "default" && len(t.Namespaces) == 1 && t.Namespaces[0] == "default"
}
