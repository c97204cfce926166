package admission

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// grantsFixture is the admission of testdata/cluster.yaml and
// testdata/grants.yaml (bindings that grant nothing yet, pods with IPs).
func grantsFixture(t *testing.T, cfg Config, opts ...Option) *Admission {
	t.Helper()
	return grantsFixtureWith(t, cfg, func(*snapshot.Snapshot) {}, opts...)
}

// grantsFixtureWith is grantsFixture with the snapshot changed by edit
// before the admission is made of it.
func grantsFixtureWith(t *testing.T, cfg Config, edit func(*snapshot.Snapshot), opts ...Option) *Admission {
	t.Helper()
	snap, err := load.Paths([]string{filepath.Join("testdata", "cluster.yaml"), filepath.Join("testdata", "grants.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if err := bootstrap.Assume(snap, ""); err != nil {
		t.Fatal(err)
	}
	edit(snap)
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel, PlatformNamespaces: []string{"ingress-nginx"}}, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// decideCase is a request and what Decide must answer: admitted or not,
// and the rules it breaks.
type decideCase struct {
	name    string
	req     Request
	allowed bool
	rules   []string
}

// decideAll runs the cases against a and holds their messages in the
// golden file testdata/NAME (-update rewrites it).
func decideAll(t *testing.T, a *Admission, golden string, cases []decideCase) {
	t.Helper()
	var record strings.Builder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := a.Decide(c.req)
			var rules []string
			for _, v := range d.Violations {
				rules = append(rules, v.Rule)
			}
			slices.Sort(rules)
			if d.Allowed != c.allowed || !slices.Equal(rules, c.rules) {
				t.Errorf("allowed %v, rules %v; want %v, %v\n%s", d.Allowed, rules, c.allowed, c.rules, d.Message)
			}
			if !d.Allowed && d.Message == "" {
				t.Error("denied without a message")
			}
			fmt.Fprintf(&record, "== %s: allowed=%v\n", c.name, d.Allowed)
			if d.Message != "" {
				fmt.Fprintf(&record, "deny: %s\n", d.Message)
			}
			for _, w := range d.Warnings {
				fmt.Fprintf(&record, "warn: %s\n", w)
			}
		})
	}
	compareGolden(t, golden, record.String())
}
