// Package check is the `bulkhead check` command: the admission webhook's
// decisions offline, for CI. It applies a change (manifests) to a cluster
// (-f, --demo or live) object by object, as kubectl apply would send each
// to the API server, and answers for each what the webhook of
// `bulkhead serve` would: allowed, warned or denied, with its exact
// message. A test holds the two to the same answers on the same requests.
package check
