package render

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// TestHardenTextHeadline: a note about a likely shared platform service
// is written under the plan line, before the proof, and not again among
// the notes; the external-traffic check has its line.
func TestHardenTextHeadline(t *testing.T) {
	shared := "network: tenant mon reaches pods of 3 other tenants today (a, b, c) through policies that allow it, like a shared platform service"
	plain := "pod-security: namespace default: not labelled"
	plan := harden.Plan{Notes: []string{shared, plain}}
	proof := &harden.Proof{Checks: harden.Checks{ExternalPods: 2, External: []harden.Broken{{From: "outside the cluster (203.0.113.1)", To: "edge/ctl", Before: "TCP 8080", After: "nothing", Pairs: 2}}}}
	var b strings.Builder
	if err := HardenText(&b, HardenResult{Source: "test", Plan: plan, Proof: proof}, TextOptions{Width: 1000}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "like a shared platform service") != 1 {
		t.Errorf("the shared-service note is not written once:\n%s", out)
	}
	if i, j := strings.Index(out, "like a shared platform service"), strings.Index(out, "checks (nothing legitimate broke)"); i < 0 || i > j {
		t.Errorf("the shared-service note comes after the checks:\n%s", out)
	}
	if !strings.Contains(out, "notes:\n  "+plain) {
		t.Errorf("the other notes are not listed:\n%s", out)
	}
	for _, want := range []string{"FAILED traffic from outside the cluster to pods behind LoadBalancer/NodePort Services unchanged: 2 pods", "outside the cluster (203.0.113.1) → edge/ctl: TCP 8080 before, nothing after"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
}
