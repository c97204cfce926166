// Package load reads Kubernetes manifests from files and directories into a
// snapshot as `kubectl apply -f` and the API server would hold them: YAML
// (multi-document) and JSON, single objects and lists as
// `kubectl get -o yaml` prints them (items of a typed list take the kind the
// list implies). Namespaced objects without a namespace go to the chosen
// one; objects the API server would refuse (invalid names, selectors,
// CIDRs or ports, unknown fields, removed API versions, a spec they cannot
// do without) are reported with their file and line and left out, as are
// malformed documents and Helm templates. Identical duplicates are merged
// with a warning; differing ones fail the load. Unknown kinds are counted,
// not fatal. Stats say how much was read, so that callers never mistake
// an empty input for a clean cluster.
//
// Documents, and the items of lists, decode in parallel and are taken in
// input order, so that what is loaded and every message are the same on
// any number of CPUs. JSON, and YAML of the kind kubectl and Helm print,
// go a fast way: converted straight to JSON (yamlToJSON, compactJSON)
// and decoded straight into the scheme's types (decodeTyped); the items
// of a compact JSON List are decoded where they are read
// (decodeCompact), checked on the way as the conversion would. Anything
// else, and every document with an error, goes the reference way:
// sigs.k8s.io/yaml and the scheme's strict deserializer, whose results
// and messages the fast way is held to by differential tests and
// fuzzers.
//
// A big cluster repeats itself, and the fast way takes advantage of it:
// strings are interned, the checks of the namespaces, labels and
// annotation keys apimachinery passed are remembered (memo), and the
// containers of a batch whose resource lists are written alike share one
// map (decResourceList), which nothing writes.
package load
