// Package cli holds what every bulkhead subcommand shares: the I/O streams
// and the flags that choose the cluster to analyse (files, the built-in demo,
// or a live cluster) and how namespaces group into tenants.
package cli
