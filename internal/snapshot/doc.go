// Package snapshot is bulkhead's model of a cluster: the typed Kubernetes
// objects every engine reads, loaded once from files or a live API server and
// normalised once (API defaults, ClusterRole aggregation, workload controllers
// expanded to representative pods).
//
// A Snapshot never holds secret values: secrets are kept as metadata only.
package snapshot
