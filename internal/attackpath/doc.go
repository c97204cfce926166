// Package attackpath joins the facts of the isolation engines into one
// graph of identities (users, groups, service accounts, pods, nodes) and
// assets (namespaces, secrets, pods, nodes, cluster-admin), and answers, for
// every pair of tenants, whether one can reach the other and by which
// shortest path. Every edge carries the engine fact that proves it; the edge
// types are documented in docs/attack-graph.md.
package attackpath
