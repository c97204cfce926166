// Package testenv starts a real kube-apiserver and etcd on loopback for
// integration tests (controller-runtime's envtest, binaries found through
// KUBEBUILDER_ASSETS), together with kube-controller-manager running the
// clusterrole-aggregation controller, without which the API server never
// fills in aggregated ClusterRoles.
//
// Without the binaries the tests skip, except under CI=true, where a missing
// binary fails the run: `make test-tools` installs them.
package testenv
