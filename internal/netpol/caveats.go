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
// policy's (system tenants apart; pods on the host network too, which pod
// policy does not protect whatever their address: BH-NET-008). The model takes such pods to be
// outside the block, so a pair the block would join is shown isolated;
// live input gives the addresses. One note per rule, naming at most
// caveatTenants tenants.
func (m *Model) AddressCaveats(ten *tenancy.Tenancy) []string {
	// What each block's unaddressed pods are, by tenant: blocks are
	// shared between rules, and a big cluster has a rule a namespace.
	type byTenant struct {
		total int
		pods  map[string]int
		names []string // sorted
	}
	atoms := map[*atom]*byTenant{}
	of := func(a *atom) *byTenant {
		if x, ok := atoms[a]; ok {
			return x
		}
		x := &byTenant{pods: map[string]int{}}
		for ns, n := range a.unknownNS {
			if ten.IsSystem(ns) {
				continue
			}
			t := ten.Of(ns)
			if x.pods[t] == 0 {
				x.names = append(x.names, t)
			}
			x.pods[t] += n
			x.total += n
		}
		slices.Sort(x.names)
		atoms[a] = x
		return x
	}
	var out []string
	for _, p := range m.policies {
		if p.tier != tierNetworkPolicy {
			continue // an admin policy's subjects are every tenant's: its address blocks are the platform's choice
		}
		own := ten.Of(p.namespace)
		for _, r := range p.rules {
			if len(r.ipDep) == 0 {
				continue
			}
			pods := 0
			var others, blocks []string
			for _, a := range r.ipDep {
				x := of(a)
				pods += x.total - x.pods[own]
				for _, t := range x.names {
					if t != own && !slices.Contains(others, t) && len(others) <= caveatTenants {
						others = append(others, t)
					}
				}
				blocks = append(blocks, a.block.describe())
			}
			if pods == 0 {
				continue
			}
			slices.Sort(others)
			named := strings.Join(others[:min(len(others), caveatTenants)], ", ")
			if len(others) > caveatTenants {
				named += " and others"
			}
			what := "traffic from pods of tenant"
			if r.dir == dirEgress {
				what = "traffic to pods of tenant"
			}
			if len(others) > 1 {
				what += "s"
			}
			whose := fmt.Sprintf("%d pods of other tenants", pods)
			if pods == 1 {
				whose = "1 pod of another tenant"
			}
			out = append(out, fmt.Sprintf("NetworkPolicy %s/%s %s[%d]: address block %s may hold the addresses of %s the input gives none; whether it allows %s %s depends on the addresses they get (taken to be outside: a live snapshot has them)",
				p.namespace, p.name, r.dir, r.index, strings.Join(blocks, ", "), whose, what, named))
		}
	}
	if len(out) > caveatRules {
		out = append(out[:caveatRules], fmt.Sprintf("%d more NetworkPolicy rules like these (bulkhead reach names the rules of one flow)", len(out)-caveatRules))
	}
	return out
}

// caveatTenants is how many tenants a caveat names, caveatRules how many
// rules the caveats name one by one.
const (
	caveatTenants = 5
	caveatRules   = 20
)
