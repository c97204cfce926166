// Package harden proposes the objects that close the cross-tenant paths
// the engines found, layer by layer: NetworkPolicies (or
// AdminNetworkPolicies) that wall each tenant in while keeping its own
// traffic and DNS, Pod Security labels at the strictest level each
// namespace's pods pass, a Corefile change, quotas, and, for review only,
// narrower RBAC and dedicated nodes for pods that must stay privileged.
//
// It is pure like the engines: a snapshot and its tenancy in, a Plan out.
// It never talks to a cluster; proving a plan (applying it to the snapshot
// and analysing again) is the caller's.
package harden
