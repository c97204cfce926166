package load

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// nameCorpus is every string of up to five bytes over an alphabet with
// each class of byte the checks tell apart, and strings at their length
// limits.
func nameCorpus() []string {
	const alphabet = "az09-.A_"
	out := []string{""}
	for n, level := 0, []string{""}; n < 5; n++ {
		var next []string
		for _, s := range level {
			for i := 0; i < len(alphabet); i++ {
				next = append(next, s+alphabet[i:i+1])
			}
		}
		out = append(out, next...)
		level = next
	}
	for _, n := range []int{14, 15, 16, 62, 63, 64, 252, 253, 254} {
		out = append(out, strings.Repeat("a", n), "a"+strings.Repeat("-", max(0, n-2))+"b", strings.Repeat("a.", n/2)+"a")
	}
	return append(out, "http", "h--p", "8080", "my-app-1", "kube-system", "team-0001-ns-3", "a.b.c", "a..b", ".a", "a.")
}

// TestNameChecksAgree holds the byte checks to apimachinery's regular
// expressions: each accepts exactly what its expression accepts.
func TestNameChecksAgree(t *testing.T) {
	checks := []struct {
		name string
		fast func(string) bool
		want func(string) []string
	}{
		{"DNS1123Label", dns1123Label, validation.IsDNS1123Label},
		{"DNS1123Subdomain", dns1123Subdomain, validation.IsDNS1123Subdomain},
		{"DNS1035Label", dns1035Label, validation.IsDNS1035Label},
		{"PortName", portName, validation.IsValidPortName},
	}
	corpus := nameCorpus()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			accepted := 0
			for _, s := range corpus {
				want := len(c.want(s)) == 0
				if got := c.fast(s); got != want {
					t.Fatalf("%q: byte check says %v, apimachinery %v", s, got, want)
				}
				if want {
					accepted++
				}
			}
			if accepted == 0 {
				t.Fatal("no name of the corpus accepted")
			}
		})
	}
	t.Run("prefix", func(t *testing.T) {
		// generateName is checked as a prefix: left to apimachinery.
		if msgs := dnsSubdomainName("a-", true); len(msgs) != 0 {
			t.Errorf("prefix a-: %v", msgs)
		}
		if msgs := dnsSubdomainName("a-", false); len(msgs) == 0 {
			t.Error("name a- accepted")
		}
	})
}
