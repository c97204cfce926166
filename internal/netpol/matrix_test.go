package netpol

import (
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// normalize sorts ranges and joins overlapping or adjacent ones.
func normalize(rs []PortRange) []PortRange {
	rs = append([]PortRange(nil), rs...)
	order := map[string]int{"TCP": 0, "UDP": 1, "SCTP": 2}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Protocol != rs[j].Protocol {
			return order[string(rs[i].Protocol)] < order[string(rs[j].Protocol)]
		}
		return rs[i].Start < rs[j].Start
	})
	var out []PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].Protocol == r.Protocol && r.Start <= out[n-1].End+1 {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

// The namespace matrix is the union of the pod-by-pod verdicts.
func TestNamespaceMatrixAgreesWithPods(t *testing.T) {
	for seed := 0; seed < 60; seed++ {
		snap := randomCluster(rand.New(rand.NewSource(int64(seed))))
		m := Compile(snap, DefaultOptions())
		union := map[[2]string][]PortRange{}
		for i := range snap.Pods {
			for j := range snap.Pods {
				s, d := &snap.Pods[i], &snap.Pods[j]
				ports, err := m.AllowedPorts(Endpoint{Namespace: s.Namespace, Pod: s.Name}, Endpoint{Namespace: d.Namespace, Pod: d.Name})
				if err != nil {
					t.Fatal(err)
				}
				k := [2]string{s.Namespace, d.Namespace}
				union[k] = append(union[k], ports...)
			}
		}
		want := map[[2]string][]PortRange{}
		for k, rs := range union {
			if len(rs) > 0 {
				want[k] = normalize(rs)
			}
		}
		got := map[[2]string][]PortRange{}
		for _, c := range m.NamespaceMatrix().Allowed {
			got[[2]string{c.From, c.To}] = c.Ports
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d: namespace matrix (-pods +namespaces):\n%s", seed, d)
		}
		// The pod matrix is the pod-by-pod verdicts, diagonal left out.
		for _, c := range m.PodMatrix().Allowed {
			from, _ := ParseEndpoint(c.From)
			to, _ := ParseEndpoint(c.To)
			ports, _ := m.AllowedPorts(from, to)
			if c.From == c.To || !strings.Contains(c.From, "/") || !cmp.Equal(ports, c.Ports) {
				t.Fatalf("seed %d: pod matrix cell %+v, verdict ports %v", seed, c, ports)
			}
		}
	}
}
