// Package kube is the only package of bulkhead that talks to an API server.
// It reads a live cluster into a snapshot with paginated, read-only lists
// (secrets as metadata only), turning a list the server refuses or does not
// serve into a stated coverage gap instead of a failure.
package kube
