// Package bootstrap holds the built-in RBAC policy a fresh kube-apiserver
// serves (cluster-admin, admin/edit/view with their aggregation, the
// system:* roles and bindings, the Roles and RoleBindings of kube-system and
// kube-public), one embedded file per Kubernetes version, and adds it to
// offline snapshots: manifests never carry these objects, yet every real
// cluster has them, so a binding to cluster-admin must mean cluster-admin.
//
// The files are generated from the real API server the tests start (see
// apiserver_test.go and `go generate`), and a test fails when they differ
// from what that server serves.
package bootstrap

//go:generate sh -c "KUBEBUILDER_ASSETS=$(../../hack/install-test-tools.sh) BULKHEAD_REQUIRE_ASSETS=1 go test -count=1 -run ^TestAPIServerBootstrapPolicy$ . -args -update"
