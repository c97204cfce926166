package attackpath

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// assign decides which tenant owns each vertex as an asset, and which
// vertices each tenant controls from the start (its footholds): its pods,
// its service accounts, and the users and groups bound only in its
// namespaces.
func (m *Model) assign() {
	homes := m.homes()
	home := make(map[int32]string, len(homes))
	// In a fixed order: a subject bound with no edge of its own gets its
	// vertex here, and the vertices' numbers are the graph's order.
	subjects := slices.SortedFunc(maps.Keys(homes), func(a, b rbac.Subject) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	for _, subject := range subjects {
		home[m.subjectVertex(subject)] = homes[subject]
	}
	m.owner = make([]string, m.g.Len())
	for v := int32(0); v < int32(m.g.Len()); v++ {
		x := m.g.At(v)
		switch x.Kind {
		case Pod, ServiceAccount, Workloads, Secrets, Namespace:
			m.owner[v] = m.ten.Of(nsOf(x))
		case Node:
			// A node is the cluster's: its kubelet's credentials, the
			// secrets and tokens mounted there, the cloud's metadata.
			m.owner[v] = tenancy.Cluster
		}
		switch x.Kind {
		case Pod, ServiceAccount:
			t := m.owner[v]
			m.sources[t] = append(m.sources[t], v)
		}
	}
	for v, t := range home {
		m.sources[t] = append(m.sources[t], v)
	}
	m.home = home
	for t := range m.sources {
		s := m.sources[t]
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	}
}

func nsOf(x Vertex) string {
	if x.Kind == Namespace {
		return x.Name
	}
	return x.Namespace
}

// homes returns the users and groups that belong to one tenant: every
// binding that names them is a RoleBinding in that tenant's namespaces.
// The group of a namespace's service accounts belongs to its tenant.
// Broad groups (system:authenticated, ...) and system identities belong to
// none.
func (m *Model) homes() map[rbac.Subject]string {
	out := map[rbac.Subject]string{}
	if m.in.RBAC == nil {
		return out
	}
	where := map[rbac.Subject]map[string]bool{}
	bindings := m.in.RBAC.Bindings()
	for bi := range bindings {
		b := &bindings[bi]
		t := "*"
		if b.Namespace != "" {
			t = m.ten.Of(b.Namespace)
		}
		for s := range b.Resolved() {
			if s.Kind == rbacv1.ServiceAccountKind {
				continue
			}
			if s.Kind == rbacv1.UserKind {
				if _, _, isSA := rbac.SplitServiceAccountUser(s.Name); isSA {
					continue
				}
			}
			if where[s] == nil {
				where[s] = map[string]bool{}
			}
			where[s][t] = true
		}
	}
	for s, ts := range where {
		if ns, ok := strings.CutPrefix(s.Name, rbac.ServiceAccountsPrefix); ok && s.Kind == rbacv1.GroupKind && ns != "" {
			out[s] = m.ten.Of(ns)
			continue
		}
		if strings.HasPrefix(s.Name, "system:") || len(ts) != 1 || ts["*"] {
			continue
		}
		for t := range ts {
			if t != tenancy.Cluster {
				out[s] = t
			}
		}
	}
	return out
}
