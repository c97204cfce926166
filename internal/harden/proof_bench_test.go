package harden

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// BenchmarkHarden is harden and its proof (the plan of every layer, the
// cluster analysed before, with the safe objects and with the proposals,
// and the checks) on the generated cluster of internal/scalegen at 10,000
// pods; at 100,000 pods too with BULKHEAD_SCALE=full (issue 13: under
// 10 s and 4 GiB on 2 cores). Loading is outside the timer.
func BenchmarkHarden(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("BULKHEAD_SCALE") == "full" {
		sizes = append(sizes, 100_000)
	}
	for _, pods := range sizes {
		b.Run("pods="+strconv.Itoa(pods), func(b *testing.B) {
			var buf bytes.Buffer
			if _, err := scalegen.Write(&buf, scalegen.Config{Tenants: scalegen.Tenants(pods), Seed: 1, Format: scalegen.JSON}); err != nil {
				b.Fatal(err)
			}
			l := load.New("bench", load.Options{})
			l.Bytes("cluster.json", buf.Bytes())
			snap, _, err := l.Result()
			if err != nil {
				b.Fatal(err)
			}
			in := newProofInput(b, snap, tenancy.Config{Label: "tenant"})
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				// As the command does: the plan and the proof share the
				// facts of the cluster as it is, analysed beside the plan.
				facts := analysis.NewFacts(in.view, in.ten)
				analysed := make(chan *analysis.Report, 1)
				go func() { analysed <- Analyse(facts) }()
				plan, err := BuildFrom(facts, Options{})
				if err != nil {
					b.Fatal(err)
				}
				p, err := Prove(in.st, in.view, in.ten, in.resolve, plan, ProofOptions{Network: facts.Network, Facts: facts, Before: <-analysed})
				if err != nil {
					b.Fatal(err)
				}
				if !p.Checks.OK() {
					b.Fatalf("checks failed: %d within tenants, %d DNS", len(p.Checks.Intra), len(p.Checks.DNS))
				}
			}
		})
	}
}
