package render

import (
	"fmt"
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

// TestHardenTextListsBounded: on a big cluster the lists of the text (headline
// notes, proposals, work for owners, notes) show their first items and
// count the rest; -v lists every one.
func TestHardenTextListsBounded(t *testing.T) {
	var plan harden.Plan
	for i := range 40 {
		plan.Notes = append(plan.Notes,
			fmt.Sprintf("network: tenant t%02d reaches pods of 3 other tenants today (a, b, c) through policies that allow it, like a shared platform service", i),
			fmt.Sprintf("pod-security: namespace n%02d: not labelled", i))
		plan.Work = append(plan.Work, harden.Work{Namespace: fmt.Sprintf("n%02d", i), Object: "Deployment/web", Problem: "privileged"})
		plan.Proposals = append(plan.Proposals, harden.Proposal{Layer: "rbac", Title: fmt.Sprintf("narrow binding b%02d", i)})
	}
	proof := &harden.Proof{}
	for _, verbose := range []bool{false, true} {
		var b strings.Builder
		if err := HardenText(&b, HardenResult{Source: "test", Plan: plan, Proof: proof}, TextOptions{Width: 1000, Verbose: verbose}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		counts := map[string][2]int{ // shown without -v, with it
			"like a shared platform service": {headlineMax, 40},
			": not labelled":                 {itemsMax, 40},
			"Deployment/web: privileged":     {itemsMax, 40},
			"rbac: narrow binding":           {itemsMax, 40},
		}
		for s, n := range counts {
			want := n[0]
			if verbose {
				want = n[1]
			}
			if got := strings.Count(out, s); got != want {
				t.Errorf("verbose %v: %q %d times, want %d", verbose, s, got, want)
			}
		}
		for _, more := range []string{"… 30 more notes (-v", "… 15 more proposals (-v", "… 15 more workloads (-v", "… 15 more notes (-v"} {
			if strings.Contains(out, more) == verbose {
				t.Errorf("verbose %v: %q written %v", verbose, more, !verbose)
			}
		}
	}
}
