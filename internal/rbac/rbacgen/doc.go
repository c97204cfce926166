// Package rbacgen generates seeded random RBAC configurations (namespaces,
// roles, cluster roles with aggregation, bindings of users, groups and
// service accounts) and random requests against them, for the differential
// test against a real kube-apiserver and for benchmarks. Every object it
// makes passes kube-apiserver's validation.
package rbacgen
