package netpol

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// AddressCaveats says where the model cannot decide a verdict between
// tenants: a NetworkPolicy rule's address block that pods without an
// address in the input (manifests, representative pods of controllers)
// may fall in, when some of those pods are another tenant's than the
// policy's (system tenants apart). The model takes such pods to be
// outside the block, so a pair the block would join is shown isolated;
// live input gives the addresses. One note per rule.
func (m *Model) AddressCaveats(ten *tenancy.Tenancy) []string {
	var out []string
	for _, p := range m.policies {
		if p.tier != tierNetworkPolicy {
			continue // an admin policy's subjects are every tenant's: its address blocks are the platform's choice
		}
		own := ten.Of(p.namespace)
		for _, r := range p.rules {
			var others []string
			pods := 0
			for _, a := range r.ipDep {
				pods += a.unknown
				for ns := range a.unknownNS {
					if t := ten.Of(ns); t != own && !ten.IsSystem(ns) && !slices.Contains(others, t) {
						others = append(others, t)
					}
				}
			}
			if len(others) == 0 {
				continue
			}
			slices.Sort(others)
			var blocks []string
			for _, a := range r.ipDep {
				blocks = append(blocks, a.block.describe())
			}
			what := "traffic from pods of tenant"
			if r.dir == dirEgress {
				what = "traffic to pods of tenant"
			}
			if len(others) > 1 {
				what += "s"
			}
			out = append(out, fmt.Sprintf("NetworkPolicy %s/%s %s[%d]: address block %s may hold the addresses of %d pods the input gives none; whether it allows %s %s depends on the addresses they get (taken to be outside: a live snapshot has them)",
				p.namespace, p.name, r.dir, r.index, strings.Join(blocks, ", "), pods, what, strings.Join(others, ", ")))
		}
	}
	return out
}
