// Package rbac decides Kubernetes API requests exactly as kube-apiserver's
// RBAC authorizer does, offline, from a snapshot: can a subject do a request
// (Authorize), who can do it (WhoCan), what may a subject do in a namespace
// (RulesFor), and which grants break tenant isolation (Analyze).
//
// The engine is pure: a snapshot in, facts and findings out, in a
// deterministic order. The oracle it is tested against is a real
// kube-apiserver's SubjectAccessReview (see oracle_test.go).
package rbac
